"""A fresh install's certificates look like credentials: setup gives the demo issuer a logo,
signature and signatory, and the admin asks a coordinator to set them until they are."""

import pytest
from django.core.management import call_command
from wagtail.models import Site

from certificates.models import CertificateSettings

pytestmark = pytest.mark.django_db


def test_admin_dashboard_asks_a_coordinator_to_set_the_issuer_until_it_is_set(client, coordinator, tree):
    client.force_login(coordinator)
    html = client.get("/admin/").content.decode()
    assert "Certificates need an issuer and a signatory" in html
    assert "Before the first certificate is issued" in html and "the signatory&#x27;s name" in html

    site = Site.objects.get(is_default_site=True)
    config = CertificateSettings.for_site(site)
    config.signatory_name = "Pat Signer"
    config.save()
    html = client.get("/admin/").content.decode()
    assert "the signatory&#x27;s name" not in html and "the issuer&#x27;s logo" in html


def test_demo_setup_gives_the_issuer_a_logo_signature_and_signatory_once(settings, tree, client, coordinator):
    settings.DEBUG = True
    call_command("demo_accounts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    config = CertificateSettings.for_site(Site.objects.get(is_default_site=True))
    assert config.logo_id and config.signature_id and config.signatory_name == "Chris Coordinator"
    config.signatory_name = "Changed By Coordinator"
    config.save()
    call_command("demo_accounts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert CertificateSettings.for_site(Site.objects.get(is_default_site=True)).signatory_name == (
        "Changed By Coordinator"
    )
    client.force_login(coordinator)
    assert "Certificates need an issuer" not in client.get("/admin/").content.decode()
