from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("certificates/<str:public_id>/download/", views.download, name="download"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:public_id>/", views.verify_detail, name="verify_detail"),
]
