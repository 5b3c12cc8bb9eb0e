from allauth.account.views import LogoutView
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from content import views as content_views
from training_site import views

urlpatterns = [
    # Wagtail's own login form would bypass allauth's rate limits and verification: every
    # request to it, GET or POST, goes to the allauth login instead.
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
        name="wagtailadmin_login",
    ),
    # Wagtail's logout deletes the session cookie before it answers a GET with 405; allauth's
    # logs out on POST only and shows a confirmation page on GET. The admin menu posts here.
    path("admin/logout/", LogoutView.as_view(), name="wagtailadmin_logout"),
    path("admin/", include(wagtailadmin_urls)),
    # Django's admin login is a third form outside allauth's limits: it redirects too, so
    # the Django admin is reached only with an allauth session (and is_staff, as before).
    path(
        "django-admin/login/",
        RedirectView.as_view(pattern_name="account_login", query_string=True),
    ),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/profile/", include("training_site.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("learning/", content_views.dashboard, name="dashboard"),
    path("learning/", include("courses.urls")),
    path("learning/", include("assessments.urls")),
    # certificates/<public id>/download/, verify/ and verify/<public id>/
    path("", include("certificates.urls")),
    # The pathway page itself is a Wagtail page at /pathway/; the learner's screens sit below.
    path("pathway/", include("training_site.readiness.urls")),
    path("search/", content_views.search, name="search"),
    path("health/", views.health, name="health"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("", include(wagtail_urls))]

handler404 = "training_site.views.page_not_found"
handler500 = "training_site.views.server_error"
