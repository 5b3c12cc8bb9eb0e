from django.urls import path

from training_site.readiness import views

app_name = "readiness"
urlpatterns = [
    path("readiness/", views.readiness, name="readiness"),
    path("record/", views.record, name="record"),
    path("record/skills/", views.skills, name="skills"),
    path("record/<slug:kind>/add/", views.entry_add, name="entry_add"),
    path("record/<slug:kind>/<int:pk>/", views.entry_edit, name="entry_edit"),
    path("record/<slug:kind>/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
    path("roles/", views.roles, name="roles"),
    path("roles/<int:role_id>/choose/", views.role_choose, name="role_choose"),
    path("roles/<int:role_id>/drop/", views.role_drop, name="role_drop"),
]
