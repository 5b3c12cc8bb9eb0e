import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        # WeasyPrint logs every step of every render at INFO on this logger.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
