from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import NotificationPreferencesForm, ProfileForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    notifications_form = NotificationPreferencesForm(request.POST or None, user=request.user, prefix="notify")
    if request.method == "POST":
        # Both or neither: a profile error leaves the email choices as they were too.
        if form.is_valid() and notifications_form.is_valid():
            form.save()
            notifications_form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect("accounts:profile")
        messages.error(request, _("Please correct the errors below."))
    return render(request, "accounts/profile.html", {"form": form, "notifications_form": notifications_form})
