"""Reads for the readiness pages and the coordinator report.

``readiness_for_learners`` loads everything the rules need for any number of learners and
roles in a fixed number of queries (tests/readiness/test_query_counts.py), then calls
``training_site.readiness.rules``; nothing else derives readiness.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from courses.models import CohortMembership, CoursePage, Enrollment
from courses.models.pages import CourseTag, LessonTag
from courses.models.records import EnrollmentStatus
from courses.progress import page_url_builder
from training_site.readiness import rules
from training_site.readiness.models import (
    CertificationHeld,
    EducationEntry,
    EligibilityRow,
    ExperienceEntry,
    Requirement,
    RoleChoice,
    SkillAssessment,
    TargetRole,
    Visibility,
)
from training_site.readiness.models.roles import split_list


def target_roles_visible_to(*, learner) -> QuerySet[TargetRole]:
    """Live roles the learner may pick: public ones, and those shown to a cohort of theirs."""
    cohorts = CohortMembership.objects.filter(learner=learner).values("cohort_id")
    return (
        TargetRole.objects.filter(live=True)
        .filter(Q(visibility=Visibility.PUBLIC) | Q(visibility=Visibility.COHORTS, cohorts__in=cohorts))
        .distinct()
        .order_by("title")
    )


def education_entries_of(*, learner) -> QuerySet[EducationEntry]:
    return EducationEntry.objects.filter(learner=learner)


def experience_entries_of(*, learner) -> QuerySet[ExperienceEntry]:
    return ExperienceEntry.objects.filter(learner=learner)


def certifications_of(*, learner) -> QuerySet[CertificationHeld]:
    return CertificationHeld.objects.filter(learner=learner)


@dataclass
class LearnerReadiness:
    roles: list[rules.RoleReadiness] = field(default_factory=list)
    record: rules.RecordData = field(default_factory=rules.RecordData)
    #: skill → lesson tags that build it, for the skills below what the chosen roles ask.
    weak_skills: dict[str, list[str]] = field(default_factory=dict)


def _requirement_rows(role_ids) -> dict[int, list[Requirement]]:
    courses = Prefetch("courses", queryset=CoursePage.objects.only("pk", "title").order_by("title"))
    by_role: dict[int, list[Requirement]] = defaultdict(list)
    for req in (
        Requirement.objects.filter(role_id__in=role_ids)
        .prefetch_related(courses)
        .order_by("sort_order", "pk")
    ):
        req.course_items = tuple((c.pk, c.title) for c in req.courses.all())
        by_role[req.role_id].append(req)
    return by_role


def role_data_for(roles) -> dict[int, rules.RoleData]:
    """The rules' view of each role: three queries for any number of roles."""
    role_ids = [role.pk for role in roles]
    requirements = _requirement_rows(role_ids)
    table: dict[int, dict] = defaultdict(dict)
    for row in EligibilityRow.objects.filter(role_id__in=role_ids):
        table[row.role_id][row.education_level] = row.years_required
    return {
        role.pk: rules.RoleData(
            pk=role.pk,
            title=role.title,
            requirements=tuple(requirements.get(role.pk, ())),
            hours_per_year=role.hours_per_year,
            eligibility=table.get(role.pk, {}),
            eligibility_categories=tuple(split_list(role.eligibility_categories)),
        )
        for role in roles
    }


def records_for(learner_ids, *, today: datetime.date) -> dict[int, rules.RecordData]:
    """Each learner's record in the rules' shape: seven queries for any number."""
    education, experience, certifications = defaultdict(list), defaultdict(list), defaultdict(list)
    skills: dict[int, dict[str, int]] = defaultdict(dict)
    for e in EducationEntry.objects.filter(learner_id__in=learner_ids):
        education[e.learner_id].append(rules.EducationItem(e.level, e.field_of_study, e.in_progress, e.state))
    for x in ExperienceEntry.objects.filter(learner_id__in=learner_ids):
        hours = rules.experience_hours(
            total_hours=x.total_hours,
            hours_per_week=x.hours_per_week,
            started_on=x.started_on,
            ended_on=x.ended_on,
            today=today,
        )
        experience[x.learner_id].append(
            rules.ExperienceItem(
                x.organization,
                x.category,
                hours,
                x.school_setting,
                x.diverse_communities,
                x.state,
                x.supervisor_name,
                x.confirmed_hours,
            )
        )
    for c in CertificationHeld.objects.filter(learner_id__in=learner_ids):
        certifications[c.learner_id].append(rules.CertificationItem(c.name, c.issuer, c.expires_on, c.state))
    for s in SkillAssessment.objects.filter(learner_id__in=learner_ids):
        skills[s.learner_id][s.skill.strip().casefold()] = s.level
    enrollments = list(
        Enrollment.objects.filter(learner_id__in=learner_ids)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
        .values_list("learner_id", "course_id", "status", "completed_at")
    )
    course_ids = {course_id for _l, course_id, _s, _c in enrollments}
    courses = {
        pk: (title, hours)
        for pk, title, hours in CoursePage.objects.filter(pk__in=course_ids).values_list(
            "pk", "title", "contact_hours"
        )
    }
    tags: dict[int, set[str]] = defaultdict(set)
    for course_id, name in CourseTag.objects.filter(content_object_id__in=course_ids).values_list(
        "content_object_id", "tag__name"
    ):
        tags[course_id].add(name)
    completed, enrolled = defaultdict(list), defaultdict(set)
    for learner_id, course_id, status, completed_at in enrollments:
        if status == EnrollmentStatus.COMPLETED and completed_at is not None:
            title, hours = courses[course_id]
            completed[learner_id].append(
                rules.CourseItem(
                    course_id, title, hours, frozenset(tags[course_id]), timezone.localdate(completed_at)
                )
            )
        else:
            enrolled[learner_id].add(course_id)
    return {
        pk: rules.RecordData(
            education=tuple(education[pk]),
            experience=tuple(experience[pk]),
            certifications=tuple(certifications[pk]),
            skills=skills[pk],
            completed_courses=tuple(completed[pk]),
            enrolled_course_ids=frozenset(enrolled[pk]),
        )
        for pk in learner_ids
    }


def readiness_for_learners(learner_ids, *, today: datetime.date | None = None) -> dict[int, LearnerReadiness]:
    """Readiness for every role each learner chose (live roles only)."""
    today = today or timezone.localdate()
    learner_ids = list(learner_ids)
    choices = list(
        RoleChoice.objects.filter(learner_id__in=learner_ids, role__live=True)
        .select_related("role")
        .order_by("chosen_at", "pk")
    )
    roles = {choice.role_id: choice.role for choice in choices}
    role_data = role_data_for(list(roles.values()))
    records = records_for(learner_ids, today=today)
    result = {pk: LearnerReadiness(record=records[pk]) for pk in learner_ids}
    for choice in choices:
        entry = result[choice.learner_id]
        data = role_data[choice.role_id]
        entry.roles.append(rules.role_readiness(data, entry.record, today))
        for skill, lesson_tags in rules.weak_skills(data.requirements, entry.record.skills).items():
            entry.weak_skills.setdefault(skill, [])
            entry.weak_skills[skill] += [t for t in lesson_tags if t not in entry.weak_skills[skill]]
    return result


def learner_readiness(*, learner, today: datetime.date | None = None) -> LearnerReadiness:
    return readiness_for_learners([learner.pk], today=today)[learner.pk]


@dataclass(frozen=True)
class LessonLink:
    title: str
    url: str
    tags: frozenset[str]


def lessons_for_skills(weak: dict[str, list[str]], *, limit: int = 5) -> dict[str, list[LessonLink]]:
    """Live lessons tagged for each weak skill, up to ``limit`` each: one query."""
    wanted = {t.casefold() for tags in weak.values() for t in tags}
    if not wanted:
        return {}
    rows = (
        LessonTag.objects.filter(
            content_object__live=True, tag__name__in=[t for tags in weak.values() for t in tags]
        )
        .values_list("tag__name", "content_object__title", "content_object__url_path", "content_object_id")
        .order_by("content_object__path")
    )
    by_tag: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for tag, title, url_path, pk in rows:
        by_tag[tag.casefold()].append((pk, title, url_path))
    page_url = page_url_builder()
    result = {}
    for skill, tags in weak.items():
        seen, links = set(), []
        for tag in tags:
            for pk, title, url_path in by_tag.get(tag.casefold(), []):
                if pk not in seen and len(links) < limit:
                    seen.add(pk)
                    links.append(LessonLink(title, page_url(url_path), frozenset({tag})))
        result[skill] = links
    return result
