"""The Content-Security-Policy: strict on the site, relaxed only inside the admin.

Public and learner pages allow scripts, styles, fonts and frames from this origin only,
with no inline code (a nonce, ``{{ request.csp_nonce }}``, for the rare inline script
that cannot be a static file). Wagtail's and Django's admin interfaces use inline styles
and scripts, so paths under ADMIN_CSP_PREFIXES get CONTENT_SECURITY_POLICY_ADMIN instead.
A view decorated with django-csp's ``csp_override`` keeps its own policy.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings

ADMIN_CSP_PREFIXES = ("/admin/", "/django-admin/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and request.path_info.startswith(ADMIN_CSP_PREFIXES):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts
