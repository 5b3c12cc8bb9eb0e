"""The readiness rules over hand-built records (no database)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training_site.readiness import rules
from training_site.readiness.models.roles import split_list

TODAY = datetime.date(2026, 12, 3)
D = Decimal


def req(step, *, pk=1, importance="required", label="Req", accepted="", issuers="", **fields):
    base = {
        "minimum_level": "",
        "hours": None,
        "school_setting": False,
        "diverse_communities": False,
        "skill": "",
        "skill_level": None,
        "cycle_months": None,
        "course_items": (),
    }
    base.update(fields)
    return SimpleNamespace(
        pk=pk,
        step=step,
        importance=importance,
        label=label,
        accepted_values=split_list(accepted),
        issuer_values=split_list(issuers),
        **base,
    )


def exp(hours, state="self_reported", *, category="community_outreach", org="Lincoln Elementary", **kw):
    fields = {
        "school_setting": False,
        "diverse_communities": False,
        "supervisor_name": "",
        "confirmed_hours": None,
    }
    fields.update(kw)
    return rules.ExperienceItem(
        org,
        category,
        D(hours),
        fields["school_setting"],
        fields["diverse_communities"],
        state,
        fields["supervisor_name"],
        fields["confirmed_hours"],
    )


def state_of(requirement, **record):
    return rules.requirement_status(requirement, rules.RecordData(**record), TODAY).state


EXPERIENCE = req("experience", hours=D(2000), accepted="community_outreach")


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([], rules.MISSING),
        ([exp(1660)], rules.IN_PROGRESS),
        ([exp(2000)], rules.SELF_REPORTED),
        ([exp(1500, "verified"), exp(500)], rules.SELF_REPORTED),
        ([exp(1500, "verified"), exp(500, "confirmed")], rules.CONFIRMED),
        ([exp(2000, "verified")], rules.VERIFIED),
        ([exp(1999.9, "verified")], rules.IN_PROGRESS),
        # A supervisor confirmed fewer hours than were logged: only those count as confirmed.
        ([exp(1500, "verified"), exp(600, "confirmed", confirmed_hours=D(400))], rules.IN_PROGRESS),
        # Another category does not count.
        ([exp(5000, "verified", category="counseling")], rules.MISSING),
    ],
)
def test_experience_states_follow_the_hours_tiers(entries, expected):
    assert state_of(EXPERIENCE, experience=tuple(entries)) == expected


def test_experience_in_a_school_setting_counts_only_school_entries():
    school = req("experience", hours=D(100), school_setting=True)
    assert state_of(school, experience=(exp(500),)) == rules.MISSING
    assert state_of(school, experience=(exp(100, school_setting=True),)) == rules.SELF_REPORTED
    diverse = req("experience", hours=D(100), diverse_communities=True)
    assert state_of(diverse, experience=(exp(100, school_setting=True),)) == rules.MISSING
    assert state_of(diverse, experience=(exp(100, diverse_communities=True),)) == rules.SELF_REPORTED


def edu(level, state="self_reported", field="", in_progress=False):
    return rules.EducationItem(level, field, in_progress, state)


def test_education_states():
    high_school = req("education", minimum_level="high_school")
    assert state_of(high_school) == rules.MISSING
    assert state_of(high_school, education=(edu("high_school"),)) == rules.SELF_REPORTED
    assert state_of(high_school, education=(edu("bachelor", "verified"),)) == rules.VERIFIED
    degree = req("education", minimum_level="associate", accepted="education, social work")
    assert state_of(degree, education=(edu("associate", field="Accounting"),)) == rules.MISSING
    assert state_of(degree, education=(edu("associate", field="Social Work"),)) == rules.SELF_REPORTED
    assert (
        state_of(degree, education=(edu("bachelor", field="Education", in_progress=True),))
        == rules.IN_PROGRESS
    )
    assert state_of(degree, education=(edu("some_college", field="Education"),)) == rules.MISSING


def cert(expires_on, state="self_reported", name="Community Resource Specialist", issuer="Inform USA"):
    return rules.CertificationItem(name, issuer, expires_on, state)


def test_certification_states_and_expiry():
    crs = req("certifications", accepted="Community Resource Specialist", issuers="Inform USA")
    assert state_of(crs) == rules.MISSING
    assert state_of(crs, certifications=(cert(None),)) == rules.SELF_REPORTED
    assert state_of(crs, certifications=(cert(TODAY, "verified"),)) == rules.VERIFIED  # last valid day
    expired = rules.requirement_status(
        crs, rules.RecordData(certifications=(cert(TODAY - datetime.timedelta(days=1)),)), TODAY
    )
    assert expired.state == rules.EXPIRED
    assert "2026-12-02" in expired.detail
    # A current one beside an expired one: met.
    both = (cert(datetime.date(2020, 1, 1)), cert(datetime.date(2028, 1, 1)))
    assert state_of(crs, certifications=both) == rules.SELF_REPORTED
    assert state_of(crs, certifications=(cert(None, issuer="Someone Else"),)) == rules.MISSING


def course(pk, hours=5, tags=(), completed_on=TODAY):
    return rules.CourseItem(pk, f"Course {pk}", D(hours), frozenset(tags), completed_on)


def test_training_by_named_courses():
    training = req("training", course_items=((1, "Conflict"), (2, "Culture")))
    assert state_of(training) == rules.MISSING
    assert state_of(training, enrolled_course_ids=frozenset({2})) == rules.IN_PROGRESS
    assert state_of(training, completed_courses=(course(1),)) == rules.IN_PROGRESS
    assert state_of(training, completed_courses=(course(1), course(2))) == rules.VERIFIED


def test_training_by_contact_hours_with_tags():
    hours = req("training", hours=D(10), accepted="conflict resolution")
    assert state_of(hours, completed_courses=(course(1, 8, ["Conflict Resolution"]),)) == rules.IN_PROGRESS
    assert (
        state_of(
            hours,
            completed_courses=(
                course(1, 8, ["conflict resolution"]),
                course(2, 2, ["mediation", "conflict resolution"]),
            ),
        )
        == rules.VERIFIED
    )
    assert state_of(hours, completed_courses=(course(1, 50, ["other"]),)) == rules.MISSING


def test_skill_states():
    skill = req("skills", skill="Communication", skill_level=3)
    assert state_of(skill) == rules.MISSING
    assert state_of(skill, skills={"communication": 2}) == rules.IN_PROGRESS
    assert state_of(skill, skills={"communication": 3}) == rules.SELF_REPORTED


def test_continuing_education_counts_only_the_cycle():
    ce = req("continuing_education", hours=D(10), cycle_months=12)
    inside = course(1, 10, completed_on=datetime.date(2025, 12, 3))
    outside = course(2, 10, completed_on=datetime.date(2025, 12, 2))
    assert state_of(ce, completed_courses=(inside,)) == rules.VERIFIED
    assert state_of(ce, completed_courses=(outside,)) == rules.MISSING


def test_hours_to_years_conversion():
    assert rules.hours_to_years(D(2000), D(2000)) == D("1.0")
    assert rules.hours_to_years(D(3999), D(2000)) == D("1.9")  # rounded down, never up
    assert rules.hours_to_years(D(1040), D(2080)) == D("0.5")
    with pytest.raises(ValueError):
        rules.hours_to_years(D(1), D(0))


def test_experience_hours_from_weekly_hours_counts_both_end_days():
    hours = rules.experience_hours(
        total_hours=None,
        hours_per_week=D(10),
        started_on=datetime.date(2026, 1, 1),
        ended_on=datetime.date(2026, 1, 14),
        today=TODAY,
    )
    assert hours == D(20)
    ongoing = rules.experience_hours(
        total_hours=None,
        hours_per_week=D(7),
        started_on=TODAY - datetime.timedelta(days=6),
        ended_on=None,
        today=TODAY,
    )
    assert ongoing == D(7)
    assert rules.experience_hours(
        total_hours=D(12), hours_per_week=None, started_on=TODAY, ended_on=None, today=TODAY
    ) == D(12)


ROLE = rules.RoleData(
    pk=1,
    title="Liaison",
    requirements=(),
    hours_per_year=D(2000),
    eligibility={"high_school": D(2), "associate": D(1), "bachelor": D(0)},
)


def eligibility(education, experience):
    return rules.eligibility_status(
        ROLE, rules.RecordData(education=tuple(education), experience=tuple(experience))
    )


def test_eligibility_rule_at_its_boundaries():
    # High school: two years = 4,000 hours at 2,000 a year.
    assert eligibility([edu("high_school")], [exp(3999.9)]).state == rules.IN_PROGRESS
    assert eligibility([edu("high_school")], [exp(4000)]).state == rules.SELF_REPORTED
    # Some college is above high school and below associate: the high-school row applies.
    assert eligibility([edu("some_college")], [exp(3999.9)]).state == rules.IN_PROGRESS
    # Associate: one year.
    assert eligibility([edu("associate")], [exp(2000)]).state == rules.SELF_REPORTED
    assert eligibility([edu("associate")], [exp(1999.9)]).state == rules.IN_PROGRESS
    # Bachelor: no experience needed.
    assert eligibility([edu("bachelor")], []).state == rules.SELF_REPORTED
    # An unfinished degree does not count; no education is below every row.
    status = eligibility([edu("bachelor", in_progress=True)], [exp(9000)])
    assert status.state == rules.MISSING and status.need is None
    # The years shown are the converted hours.
    assert eligibility([edu("high_school")], [exp(3000)]).have == D("1.5")


def test_eligibility_is_only_as_trusted_as_the_education():
    assert eligibility([edu("associate")], [exp(2000, "verified")]).state == rules.SELF_REPORTED
    assert eligibility([edu("associate", "verified")], [exp(2000, "verified")]).state == rules.VERIFIED


def test_readiness_is_counted_twice_and_recommended_apart():
    role = rules.RoleData(
        pk=1,
        title="Liaison",
        requirements=(
            req("education", pk=1, minimum_level="high_school"),
            req("experience", pk=2, hours=D(2000), label="community outreach", accepted="community_outreach"),
            req("skills", pk=3, skill="Communication", skill_level=3),
            req(
                "certifications",
                pk=4,
                importance="recommended",
                accepted="parent educator",
                label="parent-educator credential",
            ),
        ),
    )
    record = rules.RecordData(
        education=(edu("high_school", "verified"),),
        experience=(exp(1660, supervisor_name="Ms. Ortiz"),),
        skills={"communication": 4},
    )
    result = rules.role_readiness(role, record, TODAY)
    assert [s.key for s in result.required] == ["1", "2", "3"]
    assert [s.key for s in result.recommended] == ["4"]
    assert (result.met_confirmed, result.met) == (1, 2)
    assert (result.percent_confirmed, result.percent_including_self) == (33, 66)
    assert result.next_steps[0] == "Log 340 more hours of community outreach — 1,660 of 2,000"
    assert result.next_steps[-1].startswith("Recommended: ")
    assert result.missing_steps == {"experience"}
    assert [(s.step, s.met, s.total) for s in result.steps] == [
        ("education", 1, 1),
        ("experience", 0, 1),
        ("skills", 1, 1),
    ]


def test_next_steps_ask_for_confirmation_and_warn_of_expiry():
    role = rules.RoleData(
        pk=1, title="Liaison", requirements=(req("experience", hours=D(600), label="outreach"),)
    )
    record = rules.RecordData(
        experience=(exp(600, org="Lincoln Elementary", supervisor_name="Ms. Ortiz"),),
        certifications=(cert(datetime.date(2027, 3, 1), name="parent-educator credential"),),
    )
    steps = rules.role_readiness(role, record, datetime.date(2027, 1, 15)).next_steps
    assert steps == (
        "Ask your supervisor at Lincoln Elementary to confirm 600 hours",
        "Your parent-educator credential expires on 2027-03-01",
    )
    # Further than 90 days away: no warning yet.
    assert rules.role_readiness(role, record, datetime.date(2026, 11, 1)).next_steps == steps[:1]


def test_next_steps_name_each_unfinished_course():
    role = rules.RoleData(
        pk=1,
        title="Liaison",
        requirements=(
            req(
                "training",
                course_items=(
                    (1, "Conflict Resolution"),
                    (2, "Cultural Competency in Diverse School Communities"),
                ),
            ),
        ),
    )
    steps = rules.role_readiness(role, rules.RecordData(completed_courses=(course(1),)), TODAY).next_steps
    assert steps == ("Finish Cultural Competency in Diverse School Communities",)


def test_weak_skills_recommend_the_tags_of_skills_below_the_level():
    requirements = (
        req("skills", skill="Communication", skill_level=3, accepted="communication, de-escalation"),
        req("skills", skill="Empathy", skill_level=3, accepted="cultural humility"),
        req("skills", skill="Organization", skill_level=4, accepted="event planning"),
    )
    weak = rules.weak_skills(requirements, {"communication": 3, "empathy": 2})
    assert weak == {"Empathy": ["cultural humility"], "Organization": ["event planning"]}


def test_no_required_requirements_is_fully_ready():
    assert rules.percent(0, 0) == 100
    assert rules.percent(2, 3) == 66


STATE_ORDER = [rules.MISSING, rules.IN_PROGRESS, rules.SELF_REPORTED, rules.CONFIRMED, rules.VERIFIED]
trust_states = st.sampled_from(["self_reported", "confirmed", "verified"])
entries = st.lists(st.tuples(st.integers(min_value=1, max_value=3000), trust_states), min_size=0, max_size=6)


@settings(deadline=None)  # the first call activates translations: slow, not wrong
@given(entries, st.integers(min_value=1, max_value=3000), trust_states)
def test_logging_more_hours_never_lowers_the_state(existing, extra, state):
    """Adding an entry (at any trust) never makes an experience requirement less met."""
    before = [exp(hours, s) for hours, s in existing]
    after = [*before, exp(extra, state)]
    rank_before = STATE_ORDER.index(state_of(EXPERIENCE, experience=tuple(before)))
    rank_after = STATE_ORDER.index(state_of(EXPERIENCE, experience=tuple(after)))
    assert rank_after >= rank_before


@settings(deadline=None)
@given(entries, st.booleans())
def test_the_confirmed_count_never_exceeds_the_count_with_self_reported(existing, diploma):
    role = rules.RoleData(
        pk=1,
        title="Liaison",
        requirements=(
            req("education", pk=1, minimum_level="high_school"),
            req("experience", pk=2, hours=D(2000), accepted="community_outreach"),
        ),
        eligibility={"high_school": D(1)},
    )
    record = rules.RecordData(
        education=(edu("high_school"),) if diploma else (),
        experience=tuple(exp(hours, s) for hours, s in existing),
    )
    result = rules.role_readiness(role, record, TODAY)
    assert result.met_confirmed <= result.met <= len(result.required) == 3
    assert result.percent_confirmed <= result.percent_including_self
