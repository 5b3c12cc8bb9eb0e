from django.apps import AppConfig


class ReadinessConfig(AppConfig):
    name = "training_site.readiness"
    label = "readiness"
    verbose_name = "Career readiness"
