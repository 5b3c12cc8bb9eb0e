from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("courses/<int:course_id>/enroll/", views.enroll, name="enroll"),
    path("lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("lessons/<int:lesson_id>/reopen/", views.lesson_reopen, name="lesson_reopen"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path(
        "lessons/<int:lesson_id>/reflections/<slug:block_id>/",
        views.reflection_save,
        name="reflection_save",
    ),
]
