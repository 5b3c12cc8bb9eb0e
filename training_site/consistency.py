"""The consistency checks that ``check_consistency`` and the hourly beat task run.

Each app contributes checks: callables named (dotted paths) in the setting
CONSISTENCY_CHECKS, called with keyword argument ``fix`` and returning a list of
Finding. A check with ``fix=True`` repairs what can be repaired safely (usually by
queuing work again) and marks those findings fixed; what needs a person stays unfixed.
The registry is a setting, not a signal or an import-time hook, so a deployment can
see, reorder or drop checks, and an app lower down (courses) can add its own without
the runner knowing it.
"""

import dataclasses
from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string


@dataclasses.dataclass(frozen=True)
class Finding:
    """One inconsistency: which check found it, what it concerns, and what is wrong."""

    check: str
    subject: str
    message: str
    fixed: bool = False

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.message}" + (" (fixed)" if self.fixed else "")


def consistency_checks() -> list[tuple[str, Callable[..., list[Finding]]]]:
    return [(path, import_string(path)) for path in settings.CONSISTENCY_CHECKS]


def consistency_run(*, fix: bool = False) -> list[Finding]:
    """Every registered check's findings, in the order of CONSISTENCY_CHECKS."""
    findings: list[Finding] = []
    for _path, check in consistency_checks():
        findings.extend(check(fix=fix))
    return findings
