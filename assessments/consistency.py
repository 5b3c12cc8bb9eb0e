"""Consistency checks for assessments (run by check_consistency, see training_site/consistency.py)."""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from assessments import tasks
from assessments.models import Attempt, AttemptState, GiftImportJob, Response
from assessments.services.gift_jobs import gift_import_jobs_stale
from training_site.consistency import Finding


def attempts_never_graded(*, fix: bool) -> list[Finding]:
    """Submitted attempts that are not graded and wait for no manual grading: grading was
    interrupted. Not fixed automatically: a coordinator should look at the attempt."""
    pending_manual = Exists(
        Response.objects.filter(attempt=OuterRef("pk"), needs_manual=True, graded_at__isnull=True)
    )
    stuck = (
        Attempt.objects.filter(submitted_at__isnull=False)
        .exclude(state__in=[AttemptState.GRADED, AttemptState.ABANDONED])
        .exclude(Q(state=AttemptState.NEEDS_GRADING) & pending_manual)
        .values_list("pk", "state", "learner_id", "quiz_id")
    )
    return [
        Finding(
            "attempts_never_graded",
            f"attempt {pk}",
            f"submitted but {state} with nothing to grade by hand (learner {learner}, quiz {quiz})",
        )
        for pk, state, learner, quiz in stuck
    ]


def gift_import_jobs_stuck(*, fix: bool) -> list[Finding]:
    """GIFT import jobs pending or running for longer than GIFT_IMPORT_STUCK_AFTER: several
    sweeps should have finished them. ``fix`` queues them again (the claim rules keep a run
    that is still alive safe)."""
    stuck = gift_import_jobs_stale(older_than=datetime.timedelta(seconds=settings.GIFT_IMPORT_STUCK_AFTER))
    findings = []
    for pk, status, user in GiftImportJob.objects.filter(pk__in=stuck).values_list(
        "pk", "status", "created_by_id"
    ):
        if fix:
            tasks.gift_import_run.delay_on_commit(pk)
        findings.append(
            Finding(
                "gift_import_jobs_stuck",
                f"GIFT import {pk}",
                f"{status} past its limit (by user {user})",
                fix,
            )
        )
    return findings
