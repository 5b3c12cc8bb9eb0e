from dataclasses import dataclass
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's emails call ``current_site``. django.contrib.sites is not installed, so
    allauth would otherwise name the site after the request's host ("127.0.0.1:8000")."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    return SiteIdentity(name=settings.WAGTAIL_SITE_NAME, domain=urlsplit(settings.BASE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    """Saves the display name asked for at sign-up onto the user and calls the handlers named
    in ACCOUNT_SIGNUP_HANDLERS; emails carry the site's name (subject, sender and body) and
    link to BASE_URL's site."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data.get("display_name", "")
        if commit:
            user.save()
            for handler in settings.ACCOUNT_SIGNUP_HANDLERS:
                import_string(handler)(user=user)
        return user

    def format_email_subject(self, subject: str) -> str:
        return f"{site_identity().name}: {subject}"

    def get_from_email(self) -> str:
        # A sender configured as a bare address still shows the site's name.
        name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        return formataddr((name or site_identity().name, address))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**context, "current_site": site_identity(), "site_url": settings.BASE_URL}
        super().send_mail(template_prefix, email, context)
