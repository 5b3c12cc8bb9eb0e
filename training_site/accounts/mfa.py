"""Multi-factor authentication (allauth.mfa: TOTP and recovery codes) for staff.

Everyone may turn it on from their profile. With ACADEMY_MFA_REQUIRED_FOR_STAFF (on in
base/production settings, off in ``make run``'s demo and the tests), coordinators and
administrators are sent to set up an authenticator app before any admin screen opens;
once they have one, allauth asks for its code at every login.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from training_site.accounts.roles import COORDINATORS_GROUP

STAFF_PATH_PREFIXES = ("/admin/", "/django-admin/")


def mfa_required_for(user) -> bool:
    if not getattr(settings, "ACADEMY_MFA_REQUIRED_FOR_STAFF", False) or not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or user.groups.filter(name=COORDINATORS_GROUP).exists()


class StaffMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path_info.startswith(STAFF_PATH_PREFIXES)
            and mfa_required_for(request.user)
            and not is_mfa_enabled(request.user)
        ):
            messages.warning(
                request,
                _("Set up an authenticator app before you use the admin: it protects learners' records."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
