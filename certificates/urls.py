from django.urls import path, re_path

from . import views

app_name = "certificates"
urlpatterns = [
    path("certificates/<str:public_id>/download/", views.download, name="download"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:public_id>/", views.verify_detail, name="verify_detail"),
    # The short form printed on certificates ("127.0.0.1:8000/v/SCL-7K3M-9Q2P"): typed by
    # hand, so the trailing slash is optional and the redirect does no look-up itself.
    re_path(r"^v/(?P<code>[^/]{1,40})/?$", views.verify_short, name="verify_short"),
]
