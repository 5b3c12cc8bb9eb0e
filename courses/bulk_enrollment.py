"""Bulk enrollment: a CSV file or pasted addresses → a dry run → one transaction.

Decision record
- **Format.** UTF-8 CSV (a byte-order mark, as Excel writes it, is fine) whose first line
  names the columns: ``email`` (required), ``first name``, ``last name``, ``name on
  certificate``, ``cohort`` (any order; case, ``_`` and ``-`` ignored). An unknown column
  refuses the file, so a misaligned export is never read as names. Pasted addresses are one
  per line, into the cohort chosen on the form. A cohort cell names one of the
  coordinator's cohorts (case-insensitively); an empty cell means the chosen cohort.
- **Limits.** 2 MB and 5,000 rows; a file over either, not UTF-8 text, without a header or
  not parseable as CSV is refused as a whole with the reason, and nothing is written.
- **Plan, then apply.** :func:`bulk_enrollment_plan` reads only, and gives every row one
  outcome: a new account invited, an existing account added, already a member, or an
  error naming the row (the file's line) and the reason. :func:`bulk_enrollment_apply`
  plans again inside its transaction (the database may have changed since the dry run)
  and applies only a plan without errors: a file is applied whole or not at all, like
  every import here. Applying the same file twice changes nothing the second time: every
  row is then "already a member".
- **Names** are stored as typed (text; escaped in HTML; the exports neutralize formulas)
  and only for the accounts the file creates: an existing person's profile is theirs.
- **Scope.** A cohort outside the coordinator's scope is "no cohort of yours has that
  name", the same words as a cohort that does not exist, so a file cannot probe names.
- Files over ``BULK_TASK_THRESHOLD`` rows are applied by a Celery task on a
  ``BulkEnrollmentJob`` (claimed, one transaction, progress in the cache), as the GIFT
  import does (assessments/services/gift_jobs.py).
"""

import csv
import datetime
import io
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courses.invitations import INVITATION_DEFAULT_DAYS, invitation_create, invited_account_create
from courses.models import BulkEnrollmentJob, BulkEnrollmentStatus, Cohort, CohortMembership
from courses.selectors import cohort_visible_to
from training_site.input_cleaning import has_control_characters

logger = logging.getLogger(__name__)

BULK_MAX_ROWS = 5_000
BULK_MAX_BYTES = 2 * 1024 * 1024
BULK_TASK_THRESHOLD = 500
EMAIL_MAX, NAME_MAX, CERTIFICATE_NAME_MAX = 254, 150, 200
CSV, PASTE = "csv", "paste"
LINE_BREAKS = re.compile(r"\r\n|\r|\n")

INVITE, ADD, MEMBER, ERROR = "invite", "add", "member", "error"
OUTCOME_LABELS = {
    INVITE: gettext_lazy("New account invited"),
    ADD: gettext_lazy("Existing account added"),
    MEMBER: gettext_lazy("Already a member"),
    ERROR: gettext_lazy("Error"),
}

COLUMNS = {
    "email": "email",
    "email address": "email",
    "e mail": "email",
    "first name": "first_name",
    "given name": "first_name",
    "last name": "last_name",
    "family name": "last_name",
    "surname": "last_name",
    "name on certificate": "certificate_name",
    "certificate name": "certificate_name",
    "cohort": "cohort",
}


KNOWN_COLUMNS = "email, first name, last name, name on certificate, cohort"


class BulkEnrollmentRefused(Exception):
    """The whole file is refused (limits, encoding, header) or, at apply, has row errors.
    ``problems`` holds (row, message) pairs for the latter."""

    def __init__(self, message: str, problems: list[tuple[int, str]] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []


@dataclass(frozen=True)
class ParsedRow:
    number: int  # the file's line the row starts on (the header is line 1)
    email: str
    first_name: str = ""
    last_name: str = ""
    certificate_name: str = ""
    cohort_name: str = ""
    problem: str = ""


@dataclass(frozen=True)
class RowOutcome:
    row: ParsedRow
    kind: str
    message: str = ""
    cohort: Cohort | None = None
    learner_id: int | None = None

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self.kind])

    @property
    def is_error(self) -> bool:
        return self.kind == ERROR


@dataclass
class Plan:
    outcomes: list[RowOutcome] = field(default_factory=list)

    @property
    def errors(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.is_error]

    @property
    def has_errors(self) -> bool:
        return any(o.is_error for o in self.outcomes)

    def count(self, kind: str) -> int:
        return sum(1 for o in self.outcomes if o.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: self.count(kind) for kind in (INVITE, ADD, MEMBER, ERROR)}


# Parsing: pure functions over text ---------------------------------------------------------


def bulk_text_normalize(text: str) -> str:
    """Line breaks as line feeds. Browsers send a form's text with CRLF line breaks (the
    HTML form encoding converts them), so the planned text and the text posted back to
    apply it are compared, and signed, in this one form."""
    return LINE_BREAKS.sub("\n", text)


def bulk_text_decode(data: bytes) -> str:
    """An upload's bytes as text, or BulkEnrollmentRefused (too large, not UTF-8 text)."""
    if len(data) > BULK_MAX_BYTES:
        raise BulkEnrollmentRefused(_("The file is larger than 2 MB. Split it into several files."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BulkEnrollmentRefused(
            _("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        ) from error
    if "\x00" in text:
        raise BulkEnrollmentRefused(_("The file is not a CSV file (it contains binary data)."))
    return bulk_text_normalize(text)


def _column(name: str) -> str | None:
    key = " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())
    return COLUMNS.get(key)


def _clean_email(value: str) -> tuple[str, str]:
    email = value.strip()
    if not email:
        return "", _("The email address is empty.")
    if len(email) > EMAIL_MAX:
        return email, _("The email address is longer than %(max)d characters.") % {"max": EMAIL_MAX}
    try:
        validate_email(email)
    except ValidationError:
        return email, _("“%(email)s” is not a valid email address.") % {"email": email}
    return get_user_model().objects.normalize_email(email), ""


def _row(number: int, values: dict[str, str], seen: dict[str, int]) -> ParsedRow:
    values = {key: (value or "").strip() for key, value in values.items()}
    problem = ""
    if any(has_control_characters(value) for value in values.values()):
        problem = _("A cell contains a control character (such as NUL) that no field may hold.")
    email, email_problem = _clean_email(values.get("email", ""))
    problem = problem or email_problem
    limits = (
        ("first_name", NAME_MAX, _("The first name is longer than %(max)d characters.")),
        ("last_name", NAME_MAX, _("The last name is longer than %(max)d characters.")),
        (
            "certificate_name",
            CERTIFICATE_NAME_MAX,
            _("The name on certificate is longer than %(max)d characters."),
        ),
    )
    for key, limit, message in limits:
        if not problem and len(values.get(key, "")) > limit:
            problem = message % {"max": limit}
    if not problem and email:
        earlier = seen.get(email.lower())
        if earlier is not None:
            problem = _("This email address is already on line %(line)d.") % {"line": earlier}
        else:
            seen[email.lower()] = number
    return ParsedRow(
        number=number,
        email=email,
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        certificate_name=values.get("certificate_name", ""),
        cohort_name=values.get("cohort", ""),
        problem=problem,
    )


def _check_row_count(count: int) -> None:
    if count > BULK_MAX_ROWS:
        raise BulkEnrollmentRefused(
            _("The file has more than %(max)s rows. Split it into several files.")
            % {"max": f"{BULK_MAX_ROWS:,}"}
        )


def bulk_csv_parse(text: str) -> list[ParsedRow]:
    """The rows of a CSV text, each with its problem if any; raises BulkEnrollmentRefused for
    a text that cannot be read as a whole."""
    if len(text.encode()) > BULK_MAX_BYTES:
        raise BulkEnrollmentRefused(_("The file is larger than 2 MB. Split it into several files."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise BulkEnrollmentRefused(_("The file is empty."))
        keys = [_column(cell) for cell in header]
        unknown = [cell for cell, key in zip(header, keys, strict=True) if key is None]
        if "email" not in keys:
            raise BulkEnrollmentRefused(
                _(
                    "The first line must name the columns, with at least “email”: email, first name, "
                    "last name, name on certificate, cohort."
                )
            )
        if unknown:
            raise BulkEnrollmentRefused(
                _("Line 1 names a column this import does not know: “%(column)s”. Known columns: %(known)s.")
                % {
                    "column": unknown[0][:100],
                    "known": "email, first name, last name, name on certificate, cohort",
                }
            )
        if len(set(keys)) != len(keys):
            raise BulkEnrollmentRefused(_("Line 1 names the same column twice."))
        rows: list[ParsedRow] = []
        seen: dict[str, int] = {}
        while True:
            number = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                break
            if not any(cell.strip() for cell in cells):
                continue
            _check_row_count(len(rows) + 1)
            if len(cells) > len(keys):
                rows.append(
                    ParsedRow(
                        number=number,
                        email="",
                        problem=_("The row has %(n)d cells; the header names %(m)d columns.")
                        % {"n": len(cells), "m": len(keys)},
                    )
                )
                continue
            rows.append(_row(number, dict(zip(keys, cells, strict=False)), seen))
    except csv.Error as error:
        raise BulkEnrollmentRefused(
            _("Line %(line)d cannot be read as CSV (%(error)s).") % {"line": reader.line_num, "error": error}
        ) from error
    if not rows:
        raise BulkEnrollmentRefused(_("The file has a header but no rows."))
    return rows


def bulk_emails_parse(text: str) -> list[ParsedRow]:
    """Pasted addresses, one per line (blank lines skipped), for the chosen cohort."""
    if len(text.encode()) > BULK_MAX_BYTES:
        raise BulkEnrollmentRefused(_("The pasted text is larger than 2 MB. Paste fewer addresses."))
    rows: list[ParsedRow] = []
    seen: dict[str, int] = {}
    # Only line feeds and carriage returns end a line: str.splitlines would also split at
    # U+2028 or U+0085 inside what someone pasted, and number the lines differently.
    for number, line in enumerate(LINE_BREAKS.split(text), start=1):
        if not line.strip():
            continue
        _check_row_count(len(rows) + 1)
        rows.append(_row(number, {"email": line}, seen))
    if not rows:
        raise BulkEnrollmentRefused(_("Paste at least one email address."))
    return rows


def bulk_rows_parse(*, source: str, text: str) -> list[ParsedRow]:
    if source == CSV:
        return bulk_csv_parse(text)
    if source == PASTE:
        return bulk_emails_parse(text)
    raise BulkEnrollmentRefused(_("Unknown source."))


# Plan and apply ------------------------------------------------------------------------------


def bulk_enrollment_plan(*, rows: list[ParsedRow], user, cohort: Cohort | None = None) -> Plan:
    """One outcome per row; reads only (three queries whatever the number of rows).

    ``cohort`` is the cohort chosen on the form, used for rows without a cohort cell; it
    must be one of ``user``'s cohorts."""
    visible = list(cohort_visible_to(user=user).only("pk", "name"))
    if cohort is not None and cohort.pk not in {c.pk for c in visible}:
        raise BulkEnrollmentRefused(_("Choose one of your cohorts."))
    by_name: dict[str, list[Cohort]] = {}
    for candidate in visible:
        by_name.setdefault(candidate.name.strip().lower(), []).append(candidate)
    emails = {row.email.lower() for row in rows if row.email and not row.problem}
    users = {}
    if emails:
        users = {
            lower: pk
            for pk, lower in get_user_model()
            .objects.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=emails)
            .values_list("pk", "lower_email")
        }
    members = set(
        CohortMembership.objects.filter(learner_id__in=users.values(), cohort__in=visible).values_list(
            "learner_id", "cohort_id"
        )
    )
    plan = Plan()
    for row in rows:
        if row.problem:
            plan.outcomes.append(RowOutcome(row=row, kind=ERROR, message=row.problem))
            continue
        if row.cohort_name:
            matches = by_name.get(row.cohort_name.lower(), [])
            if len(matches) != 1:
                message = (
                    _("No cohort of yours is called “%(name)s”.")
                    if not matches
                    else _("Several of your cohorts are called “%(name)s”: rename one of them first.")
                ) % {"name": row.cohort_name[:200]}
                plan.outcomes.append(RowOutcome(row=row, kind=ERROR, message=message))
                continue
            target = matches[0]
        elif cohort is not None:
            target = cohort
        else:
            plan.outcomes.append(
                RowOutcome(
                    row=row, kind=ERROR, message=_("No cohort: fill in the cohort column or choose a cohort.")
                )
            )
            continue
        learner_id = users.get(row.email.lower())
        if learner_id is None:
            kind = INVITE
        elif (learner_id, target.pk) in members:
            kind = MEMBER
        else:
            kind = ADD
        plan.outcomes.append(RowOutcome(row=row, kind=kind, cohort=target, learner_id=learner_id))
    return plan


def _refusal(plan: Plan) -> BulkEnrollmentRefused:
    problems = [(o.row.number, o.message) for o in plan.errors]
    return BulkEnrollmentRefused(
        _("Nothing was applied: %(n)d rows have errors. Correct them and upload the file again.")
        % {"n": len(problems)},
        problems=problems,
    )


def bulk_enrollment_apply(
    *,
    rows: list[ParsedRow],
    user,
    cohort: Cohort | None = None,
    expires_days: int = INVITATION_DEFAULT_DAYS,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    """Apply the plan of ``rows`` in one transaction, planning again inside it. A plan with
    any error row raises BulkEnrollmentRefused and writes nothing. Returns the plan applied.
    Invitation emails go out after commit."""
    from courses.services import cohort_member_add

    user_model = get_user_model()
    with transaction.atomic():
        plan = bulk_enrollment_plan(rows=rows, user=user, cohort=cohort)
        if plan.has_errors:
            raise _refusal(plan)
        total = len(plan.outcomes)
        for done, outcome in enumerate(plan.outcomes, start=1):
            row = outcome.row
            if outcome.kind == INVITE:
                learner = invited_account_create(
                    email=row.email,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    certificate_name=row.certificate_name,
                )
                cohort_member_add(cohort=outcome.cohort, learner=learner)
                invitation_create(
                    learner=learner, cohort=outcome.cohort, invited_by=user, expires_days=expires_days
                )
            elif outcome.kind == ADD:
                cohort_member_add(
                    cohort=outcome.cohort, learner=user_model.objects.get(pk=outcome.learner_id)
                )
            if progress is not None and (done % 50 == 0 or done == total):
                progress(done, total)
    return plan


# Large files as a job ------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"courses:bulk-enrollment-progress:{job_id}"


def bulk_enrollment_job_create(
    *, source: str, text: str, cohort: Cohort | None, expires_days: int, user, total: int
) -> BulkEnrollmentJob:
    """Record a confirmed bulk enrollment and queue it after commit."""
    from courses.tasks import bulk_enrollment_run as bulk_enrollment_run_task

    job = BulkEnrollmentJob.objects.create(
        created_by=user, source=source, text=text, cohort=cohort, expires_days=expires_days, total=total
    )
    bulk_enrollment_run_task.delay_on_commit(job.pk)
    return job


def bulk_enrollment_job_progress(*, job: BulkEnrollmentJob) -> tuple[int, int]:
    """(processed, total): the running count while the job runs, else the row's."""
    if job.status == BulkEnrollmentStatus.RUNNING:
        running = cache.get(_progress_key(job.pk))
        if running is not None:
            processed, total = running
            return min(processed, total), total
    return job.processed, job.total


def bulk_enrollment_jobs_visible_to(*, user):
    """A job is its creator's (and a site administrator's): it holds the file they uploaded."""
    if not user.is_authenticated:
        return BulkEnrollmentJob.objects.none()
    if user.is_superuser:
        return BulkEnrollmentJob.objects.all()
    return BulkEnrollmentJob.objects.filter(created_by=user)


def _job_fail(*, job_id: int, claim: str, problems=(), error: str = "") -> None:
    BulkEnrollmentJob.objects.filter(pk=job_id, status=BulkEnrollmentStatus.RUNNING, claim=claim).update(
        status=BulkEnrollmentStatus.FAILED,
        problems=[[row, message] for row, message in problems],
        error=error[:2000],
        processed=0,
        finished_at=timezone.now(),
    )


def bulk_enrollment_run(*, job_id: int, claim: str | None = None) -> str:
    """Apply a job's file once, however many times it is asked for: claimed with a
    conditional update (pending → running, or a claim older than BULK_ENROLLMENT_STALE_AFTER
    taken over), applied and marked done in one transaction. Returns the final status, or
    "skipped"/"missing"."""
    claim = claim or uuid.uuid4().hex
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.GIFT_IMPORT_STALE_AFTER)
    claimable = (
        Q(status=BulkEnrollmentStatus.PENDING)
        | Q(status=BulkEnrollmentStatus.RUNNING, claim=claim)
        | Q(status=BulkEnrollmentStatus.RUNNING, claimed_at__lt=stale)
    )
    if not BulkEnrollmentJob.objects.filter(claimable, pk=job_id).update(
        status=BulkEnrollmentStatus.RUNNING, claim=claim, claimed_at=now
    ):
        return "skipped" if BulkEnrollmentJob.objects.filter(pk=job_id).exists() else "missing"
    job = BulkEnrollmentJob.objects.select_related("created_by", "cohort").get(pk=job_id)
    key = _progress_key(job_id)

    def progress(done: int, total: int) -> None:
        cache.set(key, (done, total), timeout=settings.GIFT_IMPORT_STALE_AFTER * 2)

    try:
        with transaction.atomic():
            rows = bulk_rows_parse(source=job.source, text=job.text)
            plan = bulk_enrollment_apply(
                rows=rows,
                user=job.created_by,
                cohort=job.cohort,
                expires_days=job.expires_days,
                progress=progress,
            )
            counts = plan.counts
            finished = BulkEnrollmentJob.objects.filter(
                pk=job_id, status=BulkEnrollmentStatus.RUNNING, claim=claim
            ).update(
                status=BulkEnrollmentStatus.DONE,
                total=len(plan.outcomes),
                processed=len(plan.outcomes),
                invited_count=counts[INVITE],
                added_count=counts[ADD],
                unchanged_count=counts[MEMBER],
                finished_at=timezone.now(),
            )
            if not finished:
                # Our claim was taken over: roll this run back and leave the job to the other.
                raise _ClaimLost
    except _ClaimLost:
        return "skipped"
    except BulkEnrollmentRefused as refused:
        _job_fail(job_id=job_id, claim=claim, problems=refused.problems, error=refused.message)
        return BulkEnrollmentStatus.FAILED
    except Exception as error:
        logger.exception("Bulk enrollment job %s failed", job_id)
        _job_fail(
            job_id=job_id,
            claim=claim,
            error=_("The enrollment stopped with an unexpected error (%(error)s). Nothing was applied.")
            % {"error": f"{type(error).__name__}: {error}"[:500]},
        )
        return BulkEnrollmentStatus.FAILED
    finally:
        cache.delete(key)
    return BulkEnrollmentStatus.DONE


class _ClaimLost(Exception):
    pass
