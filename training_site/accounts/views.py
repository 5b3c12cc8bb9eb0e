from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import ProfileForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
        messages.error(request, _("Please correct the errors below."))
    return render(request, "accounts/profile.html", {"form": form})
