"""The project's URLs plus the bare baseline endpoints of the quiz write benchmarks (bench
only: never in the project's URLconf).

A bare POST goes through the same middleware (session, CSRF, authentication, ...) as the
quiz views and saves one row: the learner's own, by primary key, in a transaction.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.http import require_POST

from training_site.urls import urlpatterns as project_urlpatterns


@login_required
@require_POST
def bare_save(request):
    with transaction.atomic():
        get_user_model().objects.filter(pk=request.user.pk).update(
            display_name=request.POST.get("value", "")[:100]
        )
    return JsonResponse({"saved": True})


urlpatterns = [path("bench/bare-save/", bare_save, name="bench_bare_save"), *project_urlpatterns]
