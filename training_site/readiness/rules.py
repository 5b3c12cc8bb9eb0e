"""Readiness rules: how far a learner's record meets a target role. Pure functions.

Data contract (the selector builds it; tests build it by hand):

- ``RecordData``: the learner's education (``EducationItem``), experience
  (``ExperienceItem``, hours already computed by ``experience_hours``), certifications
  held (``CertificationItem``), self-assessed skills (name, lower case → level 1–5),
  completed courses (``CourseItem``, from our own records: verified automatically) and the
  ids of courses they are enrolled in but have not completed.
- ``RoleData``: the role's requirements (objects with the ``Requirement`` fields read
  below, plus ``course_items``: (course id, title) pairs), the hours-to-years rate, the
  eligibility table ({education level: years}) and the categories it counts.

Decisions
- **Trust is never mixed into one number.** Each requirement gets the strongest state
  the evidence supports; readiness is counted twice: met by verified or
  supervisor-confirmed evidence only, and met including self-reported evidence.
- **Hours tiers.** Hours-based requirements compare the need with verified hours, then
  verified + confirmed, then everything logged: the state is the first tier that reaches
  the need. So 1,500 verified + 600 self-reported hours against 2,000 is "self-reported".
- **Eligibility.** The table row used is the one for the highest level at or below the
  learner's highest finished education; below every row, the rule is missing. Hours
  convert to years at the role's rate; reaching the need exactly meets it (compared in
  hours, never in rounded years). The rule is only as trusted as the education it used.
- **Expired.** A held certification whose expiry date has passed counts as expired, not
  met, unless another matching one is current.
- Recommended requirements are evaluated the same way and reported separately.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from training_site.readiness.models.records import EDUCATION_RANK, EducationLevel, TrustState
from training_site.readiness.models.roles import STEP_ORDER, Importance, Step

VERIFIED = "verified"
CONFIRMED = "confirmed"
SELF_REPORTED = "self_reported"
IN_PROGRESS = "in_progress"
MISSING = "missing"
EXPIRED = "expired"
STATE_LABELS = {
    VERIFIED: gettext_lazy("Verified"),
    CONFIRMED: gettext_lazy("Confirmed by a supervisor"),
    SELF_REPORTED: gettext_lazy("Self-reported"),
    IN_PROGRESS: gettext_lazy("In progress"),
    MISSING: gettext_lazy("Missing"),
    EXPIRED: gettext_lazy("Expired"),
}
MET_CONFIRMED = frozenset({VERIFIED, CONFIRMED})
MET_INCLUDING_SELF = frozenset({VERIFIED, CONFIRMED, SELF_REPORTED})
TRUST_RANK = {TrustState.SELF_REPORTED: 1, TrustState.CONFIRMED: 2, TrustState.VERIFIED: 3}
EXPIRY_WARNING_DAYS = 90
ELIGIBILITY = "eligibility"
ONE_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class EducationItem:
    level: str
    field_of_study: str
    in_progress: bool
    state: str


@dataclass(frozen=True)
class ExperienceItem:
    organization: str
    category: str
    hours: Decimal
    school_setting: bool
    diverse_communities: bool
    state: str
    supervisor_name: str = ""
    confirmed_hours: Decimal | None = None

    @property
    def trusted_hours(self) -> Decimal:
        """Hours at the entry's state: a supervisor may have confirmed fewer than logged."""
        if self.state == TrustState.CONFIRMED and self.confirmed_hours is not None:
            return min(self.confirmed_hours, self.hours)
        return self.hours


@dataclass(frozen=True)
class CertificationItem:
    name: str
    issuer: str
    expires_on: datetime.date | None
    state: str


@dataclass(frozen=True)
class CourseItem:
    pk: int
    title: str
    contact_hours: Decimal
    tags: frozenset[str]
    completed_on: datetime.date


@dataclass(frozen=True)
class RecordData:
    education: tuple[EducationItem, ...] = ()
    experience: tuple[ExperienceItem, ...] = ()
    certifications: tuple[CertificationItem, ...] = ()
    skills: dict[str, int] = field(default_factory=dict)
    completed_courses: tuple[CourseItem, ...] = ()
    enrolled_course_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class RoleData:
    pk: int
    title: str
    requirements: tuple
    hours_per_year: Decimal = Decimal("2000")
    eligibility: dict[str, Decimal] = field(default_factory=dict)
    eligibility_categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequirementStatus:
    key: str  # the requirement's pk, or "eligibility"
    step: str
    importance: str
    label: str
    state: str
    have: Decimal | None = None
    need: Decimal | None = None
    detail: str = ""

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def step_label(self) -> str:
        return str(Step(self.step).label)

    @property
    def met_confirmed(self) -> bool:
        return self.state in MET_CONFIRMED

    @property
    def met(self) -> bool:
        return self.state in MET_INCLUDING_SELF


@dataclass(frozen=True)
class StepProgress:
    step: str
    label: str
    met_confirmed: int
    met: int
    total: int

    @property
    def percent(self) -> int:
        return percent(self.met, self.total)


@dataclass(frozen=True)
class RoleReadiness:
    role_pk: int
    role_title: str
    required: tuple[RequirementStatus, ...]
    recommended: tuple[RequirementStatus, ...]
    steps: tuple[StepProgress, ...]
    next_steps: tuple[str, ...]

    @property
    def met_confirmed(self) -> int:
        return sum(status.met_confirmed for status in self.required)

    @property
    def met(self) -> int:
        return sum(status.met for status in self.required)

    @property
    def percent_confirmed(self) -> int:
        return percent(self.met_confirmed, len(self.required))

    @property
    def percent_including_self(self) -> int:
        return percent(self.met, len(self.required))

    @property
    def missing_steps(self) -> frozenset[str]:
        return frozenset(status.step for status in self.required if not status.met)


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded down: 100 only when everything is met."""
    return 100 if whole == 0 else part * 100 // whole


def experience_hours(
    *,
    total_hours: Decimal | None,
    hours_per_week: Decimal | None,
    started_on: datetime.date,
    ended_on: datetime.date | None,
    today: datetime.date,
) -> Decimal:
    """A total as logged, or hours per week × the weeks from start to end (or today),
    counting both the first and the last day; to a tenth of an hour, rounded down."""
    if total_hours is not None:
        return Decimal(total_hours)
    end = min(ended_on or today, today)
    if end < started_on:
        return Decimal(0)
    days = (end - started_on).days + 1
    return (Decimal(hours_per_week) * days / 7).quantize(ONE_TENTH, rounding=ROUND_DOWN)


def hours_to_years(hours: Decimal, hours_per_year: Decimal) -> Decimal:
    """Years of experience the hours make at the role's rate, to a tenth, rounded down."""
    if hours_per_year <= 0:
        raise ValueError("hours_per_year must be positive")
    return (Decimal(hours) / Decimal(hours_per_year)).quantize(ONE_TENTH, rounding=ROUND_DOWN)


def _matches(value: str, accepted: list[str]) -> bool:
    value = value.strip().casefold()
    return not accepted or any(a.casefold() in value or (value and value in a.casefold()) for a in accepted)


def _best_trust(states) -> str:
    return max(states, key=lambda s: TRUST_RANK.get(s, 0))


def _hours_state(items: list[ExperienceItem], need: Decimal) -> tuple[str, Decimal]:
    verified = sum((i.trusted_hours for i in items if i.state == TrustState.VERIFIED), Decimal(0))
    confirmed = sum((i.trusted_hours for i in items if i.state == TrustState.CONFIRMED), Decimal(0))
    reported = sum((i.hours for i in items if i.state == TrustState.SELF_REPORTED), Decimal(0))
    total = verified + confirmed + reported
    if verified >= need:
        return VERIFIED, total
    if verified + confirmed >= need:
        return CONFIRMED, total
    if total >= need:
        return SELF_REPORTED, total
    return (IN_PROGRESS if total > 0 else MISSING), total


def _experience_items(record: RecordData, categories, *, school=False, diverse=False) -> list[ExperienceItem]:
    return [
        item
        for item in record.experience
        if (not categories or item.category in categories)
        and (item.school_setting or not school)
        and (item.diverse_communities or not diverse)
    ]


def _education(req, record: RecordData) -> tuple[str, None, None, str]:
    minimum = EDUCATION_RANK.get(req.minimum_level, 0)
    fields = req.accepted_values
    candidates = [
        e
        for e in record.education
        if EDUCATION_RANK[e.level] >= minimum and _matches(e.field_of_study, fields)
    ]
    finished = [e for e in candidates if not e.in_progress]
    if finished:
        return _best_trust(e.state for e in finished), None, None, ""
    return (IN_PROGRESS if candidates else MISSING), None, None, ""


def _experience(req, record: RecordData):
    items = _experience_items(
        record, req.accepted_values, school=req.school_setting, diverse=req.diverse_communities
    )
    state, have = _hours_state(items, Decimal(req.hours))
    return state, have, Decimal(req.hours), ""


def _certification(req, record: RecordData, today: datetime.date):
    names, issuers = req.accepted_values, req.issuer_values
    held = [
        c
        for c in record.certifications
        if any(n.casefold() in c.name.casefold() for n in names) and _matches(c.issuer, issuers)
    ]
    current = [c for c in held if c.expires_on is None or c.expires_on >= today]
    if current:
        return _best_trust(c.state for c in current), None, None, ""
    if held:
        latest = max(c.expires_on for c in held)
        return EXPIRED, None, None, _("expired on %(date)s") % {"date": latest.isoformat()}
    return MISSING, None, None, ""


def _training(req, record: RecordData):
    completed = {c.pk: c for c in record.completed_courses}
    if req.course_items:
        done = sum(1 for pk, _title in req.course_items if pk in completed)
        need = len(req.course_items)
        started = any(pk in record.enrolled_course_ids for pk, _title in req.course_items)
        if done == need:
            return VERIFIED, Decimal(done), Decimal(need), ""
        state = IN_PROGRESS if done or started else MISSING
        return state, Decimal(done), Decimal(need), ""
    return _contact_hours(req, record.completed_courses)


def _contact_hours(req, courses):
    tags = {t.casefold() for t in req.accepted_values}
    have = sum(
        (c.contact_hours for c in courses if not tags or tags & {t.casefold() for t in c.tags}), Decimal(0)
    )
    need = Decimal(req.hours or 0)
    if have >= need:
        return VERIFIED, have, need, ""
    return (IN_PROGRESS if have > 0 else MISSING), have, need, ""


def _skill(req, record: RecordData):
    level = record.skills.get(req.skill.strip().casefold())
    if level is None:
        return MISSING, None, Decimal(req.skill_level), ""
    state = SELF_REPORTED if level >= req.skill_level else IN_PROGRESS
    return state, Decimal(level), Decimal(req.skill_level), ""


def _continuing(req, record: RecordData, today: datetime.date):
    since = _months_before(today, req.cycle_months)
    recent = [c for c in record.completed_courses if c.completed_on >= since]
    return _contact_hours(req, recent)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def requirement_status(req, record: RecordData, today: datetime.date) -> RequirementStatus:
    """The state of one requirement against the record."""
    if req.step == Step.EDUCATION:
        state, have, need, detail = _education(req, record)
    elif req.step == Step.EXPERIENCE:
        state, have, need, detail = _experience(req, record)
    elif req.step == Step.CERTIFICATIONS:
        state, have, need, detail = _certification(req, record, today)
    elif req.step == Step.TRAINING:
        state, have, need, detail = _training(req, record)
    elif req.step == Step.SKILLS:
        state, have, need, detail = _skill(req, record)
    elif req.step == Step.CONTINUING_EDUCATION:
        state, have, need, detail = _continuing(req, record, today)
    else:
        raise ValueError(f"unknown step {req.step!r}")
    return RequirementStatus(str(req.pk), req.step, req.importance, req.label, state, have, need, detail)


def highest_education(record: RecordData) -> EducationItem | None:
    finished = [e for e in record.education if not e.in_progress]
    if not finished:
        return None
    return max(finished, key=lambda e: (EDUCATION_RANK[e.level], TRUST_RANK.get(e.state, 0)))


def years_required(role: RoleData, education: EducationItem | None) -> Decimal | None:
    """The table's years for the highest row at or below the learner's education; None
    when the learner's education is below every row (or they have none)."""
    rank = EDUCATION_RANK[education.level] if education else 0
    rows = [(EDUCATION_RANK[level], years) for level, years in role.eligibility.items()]
    applicable = [row for row in rows if row[0] <= rank]
    return max(applicable)[1] if applicable else None


def eligibility_status(role: RoleData, record: RecordData) -> RequirementStatus | None:
    if not role.eligibility:
        return None
    education = highest_education(record)
    years = years_required(role, education)
    label = _("Eligibility: years of relevant experience for your education")
    if years is None:
        lowest = min(role.eligibility, key=EDUCATION_RANK.get)
        detail = _("needs at least: %(level)s") % {"level": EducationLevel(lowest).label}
        return RequirementStatus(
            ELIGIBILITY, Step.EXPERIENCE, Importance.REQUIRED, label, MISSING, None, None, detail
        )
    items = _experience_items(record, role.eligibility_categories)
    need_hours = Decimal(years) * role.hours_per_year
    state, have_hours = _hours_state(items, need_hours)
    if state in MET_INCLUDING_SELF and education is not None:
        # Only as trusted as the education the row was chosen by.
        state = min(state, education.state, key=lambda s: TRUST_RANK.get(s, 0))
    return RequirementStatus(
        ELIGIBILITY,
        Step.EXPERIENCE,
        Importance.REQUIRED,
        label,
        state,
        hours_to_years(have_hours, role.hours_per_year),
        Decimal(years),
    )


def _num(value: Decimal) -> str:
    value = Decimal(value)
    places = 0 if value == value.to_integral_value() else 1
    return number_format(value, decimal_pos=places, force_grouping=True)


def _gap_text(status: RequirementStatus, req, record: RecordData) -> list[str]:
    """What to do about a requirement that is not met, in words."""
    if status.key == ELIGIBILITY:
        if status.need is None:
            return [_("Complete your education: %(detail)s") % {"detail": status.detail}]
        return [
            _("Reach %(need)s years of relevant experience — %(have)s so far")
            % {"need": _num(status.need), "have": _num(status.have)}
        ]
    if status.state == EXPIRED:
        return [_("Renew your %(name)s: it %(detail)s") % {"name": req.label, "detail": status.detail}]
    if req.step == Step.EXPERIENCE:
        return [
            _("Log %(gap)s more hours of %(what)s — %(have)s of %(need)s")
            % {
                "gap": _num(status.need - status.have),
                "what": req.label,
                "have": _num(status.have),
                "need": _num(status.need),
            }
        ]
    if req.step == Step.TRAINING and req.course_items:
        done = {c.pk for c in record.completed_courses}
        return [_("Finish %(title)s") % {"title": title} for pk, title in req.course_items if pk not in done]
    if req.step in (Step.TRAINING, Step.CONTINUING_EDUCATION):
        return [
            _("Complete %(gap)s more contact hours for %(what)s — %(have)s of %(need)s")
            % {
                "gap": _num(status.need - status.have),
                "what": req.label,
                "have": _num(status.have),
                "need": _num(status.need),
            }
        ]
    if req.step == Step.SKILLS:
        if status.have is None:
            return [_("Rate your %(skill)s in your skills self-assessment") % {"skill": req.skill}]
        return [
            _("Build your %(skill)s: you rated it %(have)s of 5, the role looks for %(need)s")
            % {"skill": req.skill, "have": _num(status.have), "need": _num(status.need)}
        ]
    if status.state == IN_PROGRESS:
        return [_("Finish: %(label)s") % {"label": req.label}]
    return [_("Add: %(label)s") % {"label": req.label}]


def role_readiness(role: RoleData, record: RecordData, today: datetime.date) -> RoleReadiness:
    """Every requirement's state, the two readiness counts, progress per step and the
    ordered next steps: required gaps (in pathway order), then what would raise the trust
    of what is met, then certifications expiring soon, then recommended gaps."""
    by_key = {str(req.pk): req for req in role.requirements}
    statuses = [requirement_status(req, record, today) for req in role.requirements]
    eligibility = eligibility_status(role, record)
    if eligibility is not None:
        statuses.append(eligibility)
    order = {step: index for index, step in enumerate(STEP_ORDER)}
    statuses.sort(key=lambda s: order[s.step])
    required = tuple(s for s in statuses if s.importance == Importance.REQUIRED)
    recommended = tuple(s for s in statuses if s.importance == Importance.RECOMMENDED)

    gaps, trust, expiring, optional = [], [], [], []
    for status in required:
        if not status.met:
            gaps += _gap_text(status, by_key.get(status.key), record)
        elif status.state == SELF_REPORTED and status.step == Step.EXPERIENCE:
            trust.append(status)
    for status in recommended:
        if not status.met:
            optional += [
                _("Recommended: %(text)s") % {"text": text}
                for text in _gap_text(status, by_key[status.key], record)
            ]
    confirm = []
    if trust:
        seen = set()
        for item in record.experience:
            if (
                item.state == TrustState.SELF_REPORTED
                and item.supervisor_name
                and item.organization not in seen
            ):
                seen.add(item.organization)
                confirm.append(
                    _("Ask your supervisor at %(organization)s to confirm %(hours)s hours")
                    % {"organization": item.organization, "hours": _num(item.hours)}
                )
    horizon = today + datetime.timedelta(days=EXPIRY_WARNING_DAYS)
    for cert in sorted(record.certifications, key=lambda c: (c.expires_on or datetime.date.max, c.name)):
        if cert.expires_on is not None and today <= cert.expires_on <= horizon:
            expiring.append(
                _("Your %(name)s expires on %(date)s")
                % {"name": cert.name, "date": cert.expires_on.isoformat()}
            )
    steps = []
    for step in STEP_ORDER:
        in_step = [s for s in required if s.step == step]
        if in_step:
            steps.append(
                StepProgress(
                    step,
                    str(Step(step).label),
                    sum(s.met_confirmed for s in in_step),
                    sum(s.met for s in in_step),
                    len(in_step),
                )
            )
    return RoleReadiness(
        role.pk, role.title, required, recommended, tuple(steps), tuple(gaps + confirm + expiring + optional)
    )


def weak_skills(requirements, skills: dict[str, int]) -> dict[str, list[str]]:
    """Skill name → the lesson tags that build it, for every skill rated below what a
    requirement asks (or not rated yet)."""
    weak: dict[str, list[str]] = {}
    for req in requirements:
        if req.step != Step.SKILLS or req.skill_level is None:
            continue
        level = skills.get(req.skill.strip().casefold())
        if level is None or level < req.skill_level:
            weak.setdefault(req.skill, [])
            weak[req.skill] += [t for t in req.accepted_values if t not in weak[req.skill]]
    return weak
