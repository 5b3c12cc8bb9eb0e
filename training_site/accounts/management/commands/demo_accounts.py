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
            self.stdout.write(f"  {account['role']:<12} {account['email']:<26} password: {DEMO_PASSWORD}")


def _mark_email_verified(user) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
