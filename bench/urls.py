"""The site's URLs plus the benchmarks' baseline: a bare view through the same middleware."""

from django.http import HttpResponse
from django.urls import path

from training_site.urls import handler404, handler500  # noqa: F401
from training_site.urls import urlpatterns as site_urlpatterns


def bare(request):
    # Touch the user as every real page does, so a signed-in baseline pays for the session
    # and the user like the page it is compared with.
    return HttpResponse(f"ok {int(request.user.is_authenticated)}", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *site_urlpatterns]
