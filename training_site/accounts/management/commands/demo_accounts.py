from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from training_site.accounts.roles import COORDINATORS_GROUP

DEMO_PASSWORD = "liaison-demo-2026"  # noqa: S105 (documented demo login, dev settings only)
DEMO_ACCOUNTS = [
    {"email": "learner@example.com", "display_name": "Dana Learner", "role": "learner"},
    {"email": "coordinator@example.com", "display_name": "Chris Coordinator", "role": "coordinator"},
    {"email": "admin@example.com", "display_name": "Site Administrator", "role": "admin"},
]


class Command(BaseCommand):
    help = "Create the demo learner, coordinator and administrator (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for development settings only (DEBUG=True).")
        User = get_user_model()
        coordinators = Group.objects.get(name=COORDINATORS_GROUP)
        for account in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                email=account["email"],
                defaults={
                    "display_name": account["display_name"],
                    "is_staff": account["role"] == "admin",
                    "is_superuser": account["role"] == "admin",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                if account["role"] == "coordinator":
                    user.groups.add(coordinators)
                _mark_email_verified(user)
            if account["role"] == "coordinator":
                _demo_open_enrollment_coordinator(user)
            elif account["role"] == "learner":
                from courses.services import cohort_open_enrollment_join

                cohort_open_enrollment_join(learner=user)
            self.stdout.write(f"  {account['role']:<12} {account['email']:<26} password: {DEMO_PASSWORD}")
        if _demo_certificate_settings():
            self.stdout.write(
                "  Certificate settings: demo logo, signature and signatory set (replace them in the admin)."
            )


def _demo_open_enrollment_coordinator(user) -> None:
    """The demo coordinator grades the essays of learners who sign up on their own (the Open
    enrollment cohort); in production an administrator chooses its coordinators."""
    from courses.services import cohort_coordinators_set, cohort_open_enrollment_get

    cohort_coordinators_set(cohort=cohort_open_enrollment_get(), coordinators=[user], keep_others=True)


def _mark_email_verified(user) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _demo_png(*, width: int, height: int, draw) -> bytes:
    """A small opaque PNG (no alpha: cheaper to render into the PDF)."""
    from io import BytesIO

    from PIL import Image as PILImage
    from PIL import ImageDraw

    image = PILImage.new("RGB", (width, height), "white")
    draw(ImageDraw.Draw(image))
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _demo_certificate_settings() -> bool:
    """Give the default site's issuer a logo, a signatory and a signature so certificates on a
    fresh install look like credentials; leaves anything a coordinator has set alone."""
    from io import BytesIO

    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model
    from wagtail.models import Site

    from certificates.models import CertificateSettings

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return False
    config = CertificateSettings.for_site(site)
    if config.logo_id or config.signature_id or config.signatory_name:
        return False
    Image = get_image_model()

    def logo(d):
        d.rounded_rectangle((0, 0, 119, 119), radius=18, fill="#0b5f73")
        d.rectangle((34, 24, 50, 96), fill="white")
        d.rectangle((34, 80, 88, 96), fill="white")
        d.ellipse((72, 24, 96, 48), fill="#f2a541")

    def signature(d):
        d.line(
            [(10, 60), (40, 15), (55, 65), (80, 20), (100, 60), (150, 35), (200, 55), (260, 30)],
            fill="#1d2630",
            width=4,
        )

    images = {}
    for key, (width, height, draw) in {"logo": (120, 120, logo), "signature": (280, 80, signature)}.items():
        data = BytesIO(_demo_png(width=width, height=height, draw=draw))
        images[key] = Image(
            title=f"Demo certificate {key}", file=ImageFile(data, name=f"demo-certificate-{key}.png")
        )
        images[key].save()
    config.logo, config.signature = images["logo"], images["signature"]
    config.signatory_name, config.signatory_title = "Chris Coordinator", "Training Coordinator"
    config.save()
    return True
