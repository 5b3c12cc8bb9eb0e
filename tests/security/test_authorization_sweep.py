"""Authorization sweep generated from the URL configuration and the page types.

Every route that takes a parameter, and every page type, must have a row in ROUTES or
PAGE_TYPES saying what each actor gets; a route or page type without one fails the test,
so a new one cannot be forgotten. ACTORS is the list later issues extend.

Cohort scope: the owner belongs to the school cohort S, under district D, beside school T,
above class C. Three coordinators (all in the Training coordinators group) ask for the
owner's records: of D ("coordinator_inside": sees down), of T ("coordinator_outside":
sideways) and of C ("coordinator_below": never up). Every admin route that takes the id of
a learner record is listed in ADMIN_LEARNER_ROUTES, filled with the owner's record, and
must open for the first and be a 404 for the other two; a new admin route under one of
LEARNER_ADMIN_PREFIXES without a row fails the test.
"""

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.models import Page, get_page_models

from assessments.models import QuizAccommodation, RegradeJob
from assessments.services import attempts
from certificates.models import Certificate
from content.exports import report_export_build
from content.jobs import ReportExport
from courses.invitations import invitation_create, invited_account_create
from courses.models import BulkEnrollmentJob, Cohort, CohortCourse, CoursePage, LessonPage, ModulePage
from courses.services import (
    cohort_member_add,
    cohort_member_remove,
    cohort_open_enrollment_get,
    enrollment_create,
)
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_quiz, course_lessons, make_coordinator, make_questions
from tests.readiness.factories import ExperienceFactory, TargetRoleFactory
from training_site.readiness.services import target_role_choose

pytestmark = pytest.mark.django_db

# What a response may be, per expectation.
LOGIN = "login"  # a redirect to the allauth login
NOT_FOUND = "404"
DENIED = "denied"  # no content: a login redirect, 403 or 404 (admin screens for learners)
OPEN = "open"  # the same page for everyone, by design (public verification)
COURSE = "course"  # a redirect to the course page (not enrolled)
MODULE = "module"  # a module is a section of its course page: a redirect to its anchor
SHORT = "short"  # the printed short address: the same redirect to the code's look-up for everyone


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def routes_with_parameters() -> list[str]:
    return sorted({route for route in _walk(get_resolver().url_patterns) if "<" in route})


ADMIN_PREFIXES = ("admin/", "django-admin/")

# route → (HTTP method, how to fill its parameters from the world, {actor: expectation})
ROUTES = {
    "learning/courses/<int:course_id>/enroll/": (
        "post",
        # Another course than the owner's: enrolling other_learner there would change what
        # the rows below test.
        lambda w: {"course_id": w.other_course.pk},
        # Any learner may enroll in a live course: only the anonymous case is a rule.
        {"anonymous": LOGIN},
    ),
    "learning/lessons/<int:lesson_id>/complete/": (
        "post",
        lambda w: {"lesson_id": w.lesson.pk},
        {"anonymous": LOGIN, "other_learner": NOT_FOUND},
    ),
    "learning/lessons/<int:lesson_id>/reopen/": (
        "post",
        lambda w: {"lesson_id": w.lesson.pk},
        {"anonymous": LOGIN, "other_learner": NOT_FOUND},
    ),
    "learning/lessons/<int:lesson_id>/reflections/<slug:block_id>/": (
        "post",
        lambda w: {"lesson_id": w.lesson.pk, "block_id": w.lesson.reflection_block_ids[0]},
        {"anonymous": LOGIN, "other_learner": NOT_FOUND},
    ),
    "learning/quizzes/<int:quiz_id>/start/": (
        "post",
        lambda w: {"quiz_id": w.quiz.pk},
        {"anonymous": LOGIN, "other_learner": NOT_FOUND},
    ),
    **{
        f"learning/attempts/<int:attempt_id>/{tail}": (
            method,
            lambda w: {"attempt_id": w.attempt.pk},
            {"anonymous": LOGIN, "other_learner": NOT_FOUND},
        )
        for tail, method in [("", "get"), ("save/", "post"), ("submit/", "post"), ("result/", "get")]
    },
    "certificates/<str:public_id>/download/": (
        "get",
        lambda w: {"public_id": w.certificate.public_id},
        {"anonymous": NOT_FOUND, "other_learner": NOT_FOUND},
    ),
    "verify/<str:public_id>/": (
        "get",
        lambda w: {"public_id": w.certificate.public_id},
        {"anonymous": OPEN, "other_learner": OPEN},
    ),
    "^v/(?P<code>[^/]{1,40})/?$": (
        "get",
        lambda w: {"code": w.certificate.code},
        {"anonymous": SHORT, "other_learner": SHORT},
    ),
    # The learner's pathway record: another person's entry is a 404; anyone may add their own.
    "pathway/record/<slug:kind>/add/": ("get", lambda w: {"kind": "experience"}, {"anonymous": LOGIN}),
    **{
        f"pathway/record/<slug:kind>/<int:pk>/{tail}": (
            method,
            lambda w: {"kind": "experience", "pk": w.experience.pk},
            {"anonymous": LOGIN, "other_learner": NOT_FOUND},
        )
        for tail, method in [("", "get"), ("delete/", "post")]
    },
    # A role shown to the owner's cohort only: no one outside it may choose it (coordinators
    # included: choosing is a learner's act); dropping needs a choice of one's own.
    **{
        f"pathway/roles/<int:role_id>/{action}/": (
            "post",
            lambda w: {"role_id": w.cohort_role.pk},
            {"anonymous": LOGIN, "other_learner": NOT_FOUND},
        )
        for action in ("choose", "drop")
    },
    # Wagtail's password-protected documents and pages: an unknown restriction is a 404.
    "documents/authenticate_with_password/<int:restriction_id>/": (
        "get",
        lambda w: {"restriction_id": 999_999},
        {"anonymous": NOT_FOUND, "other_learner": NOT_FOUND},
    ),
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": (
        "get",
        lambda w: {"page_view_restriction_id": 999_999, "page_id": w.lesson.pk},
        {"anonymous": NOT_FOUND, "other_learner": NOT_FOUND},
    ),
    # The invitation link: a forged token is a 404 that says the link is not valid.
    "learning/invitations/<str:token>/": (
        "get",
        lambda w: {"token": "forged"},
        {"anonymous": NOT_FOUND, "other_learner": NOT_FOUND},
    ),
    # allauth's emailed tokens, not ids: a forged key changes nothing and reveals nothing.
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": ("get", lambda w: {"key": "forged"}, {}),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (
        "get",
        lambda w: {"uidb36": "1", "key": "forged"},
        {},
    ),
}

# Page types: who may read a page of that type.
PAGE_TYPES = {
    "HomePage": {"anonymous": OPEN, "other_learner": OPEN},
    "CourseIndexPage": {"anonymous": OPEN, "other_learner": OPEN},
    "CoursePage": {"anonymous": OPEN, "other_learner": OPEN},
    "ModulePage": {"anonymous": MODULE, "other_learner": MODULE},
    "LessonPage": {"anonymous": LOGIN, "other_learner": COURSE},
    "QuizPage": {"anonymous": LOGIN, "other_learner": COURSE},
    "StandardPage": {"anonymous": OPEN, "other_learner": OPEN},
    "PathwayPage": {"anonymous": OPEN, "other_learner": OPEN},
}

ACTORS = ["anonymous", "other_learner", "coordinator_inside", "coordinator_outside", "coordinator_below"]
COORDINATORS = ("coordinator_inside", "coordinator_outside", "coordinator_below")
# Public routes: a coordinator is another person there, except where their scope opens a
# record to them (the certificate download).
COORDINATOR_OVERRIDES = {
    "certificates/<str:public_id>/download/": {"coordinator_inside": OPEN},
}

OUT_OF_SCOPE = {"anonymous": DENIED, "other_learner": DENIED, "coordinator_outside": NOT_FOUND}
OUT_OF_SCOPE["coordinator_below"] = NOT_FOUND
IN_SCOPE = {**OUT_OF_SCOPE, "coordinator_inside": OPEN}

# Admin screens that take a learner record's id (or a cohort's): filled from the world.
LEARNER_ADMIN_PREFIXES = (
    "admin/certificates/",
    "admin/grading/",
    "admin/regrade/",
    "admin/quiz-statistics/",
    "admin/attempts/",
    "admin/cohorts/",
    "admin/cohort-members/",
    "admin/cohort-courses/",
    "admin/snippets/assessments/quizaccommodation/",
    "admin/reports/",
    "admin/bulk-enrollment/",
    "admin/invitations/",
)
ADMIN_LEARNER_ROUTES = {
    **{
        f"admin/certificates/{view}/<int:pk>/": lambda w: {"pk": w.certificate.pk}
        for view in ("inspect", "history", "history-results", "revoke", "reissue", "reinstate")
    },
    "admin/grading/<int:attempt_id>/": lambda w: {"attempt_id": w.attempt.pk},
    # A quiz is a 404 to a coordinator with no attempt at it in scope; a job, unless every
    # attempt it regraded is in scope.
    "admin/regrade/quiz/<int:quiz_id>/": lambda w: {"quiz_id": w.quiz.pk},
    "admin/regrade/jobs/<int:job_id>/": lambda w: {"job_id": w.regrade_job.pk},
    # A quiz's statistics cover the attempts of learners in scope: no such attempt, a 404.
    "admin/quiz-statistics/<int:quiz_id>/": lambda w: {"quiz_id": w.quiz.pk},
    "admin/grading/response/<int:response_id>/": lambda w: {"response_id": w.response.pk},
    **{
        f"admin/attempts/<int:attempt_id>/{view}": lambda w: {"attempt_id": w.attempt.pk}
        for view in ("", "reopen/", "grant/")
    },
    "admin/cohorts/edit/<str:pk>/": lambda w: {"pk": w.school.pk},
    "admin/cohorts/delete/<str:pk>/": lambda w: {"pk": w.school.pk},
    "admin/cohort-members/delete/<str:pk>/": lambda w: {"pk": w.membership.pk},
    "admin/cohort-courses/edit/<str:pk>/": lambda w: {"pk": w.assignment.pk},
    "admin/cohort-courses/delete/<str:pk>/": lambda w: {"pk": w.assignment.pk},
    # A bulk enrollment job is its creator's (coordinator_inside here): the others get 404.
    "admin/bulk-enrollment/jobs/<int:job_id>/": lambda w: {"job_id": w.bulk_job.pk},
    "admin/invitations/resend/<int:pk>/": lambda w: {"pk": w.invitation.pk},
    "admin/invitations/revoke/<int:pk>/": lambda w: {"pk": w.invitation.pk},
    **{
        f"admin/snippets/assessments/quizaccommodation/{view}/<int:pk>/": lambda w: {"pk": w.accommodation.pk}
        for view in ("edit", "delete", "usage", "history", "history-results")
    },
    # A report export holds learner records: requested by the inside coordinator, so it opens
    # for them only (another coordinator of the same cohorts gets a 404 too:
    # tests/content/test_reports_results.py).
    "admin/reports/exports/<int:pk>/": lambda w: {"pk": w.report_export.pk},
    "admin/reports/exports/<int:pk>/download/": lambda w: {"pk": w.report_export.pk},
}


def _expected(mapping: dict, actor: str, route: str | None = None):
    if actor in COORDINATORS:
        override = COORDINATOR_OVERRIDES.get(route, {})
        return override.get(actor, mapping.get(actor, mapping.get("other_learner")))
    return mapping.get(actor)


def _url(route: str, values) -> str:
    """The route with its parameters filled from ``values`` (a dict, or a callable for
    every name), for path converters and for re_path groups alike."""

    def fill(match):
        name = match.group("name")
        return str(values(name) if callable(values) else values[name])

    url = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route) if "(?P<" not in route else route
    # A regex group may contain one level of parentheses (alternatives).
    url = re.sub(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)", fill, url)
    url = url.replace("\\.", ".").replace("^", "").replace("$", "")
    return "/" + url


def _check(response, expectation: str, world) -> bool:
    location = response.get("Location", "")
    if expectation == LOGIN:
        return response.status_code == 302 and location.startswith("/accounts/login/")
    if expectation == NOT_FOUND:
        return response.status_code == 404
    if expectation == DENIED:
        return response.status_code in (302, 403, 404) and (
            response.status_code != 302 or "/login/" in location or location.rstrip("/").endswith("/admin")
        )
    if expectation == OPEN:
        return response.status_code == 200
    if expectation == MODULE:
        return response.status_code == 302 and location.startswith(world.course.url + "#module-")
    if expectation == SHORT:
        return response.status_code == 302 and location == f"/verify/?code={world.certificate.code}"
    if expectation == COURSE:
        return response.status_code == 302 and location == world.course.url
    raise AssertionError(expectation)


@pytest.fixture
def world(learner, course):
    """The owner's records, requested by everyone else."""
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    quiz = build_quiz(ModulePage.objects.child_of(course).first(), questions=make_questions(2))
    attempt = attempts.quiz_start(learner=learner, quiz=quiz)
    finished = CoursePage(title="Finished course", summary="Done.", contact_hours=1)
    course.get_parent().add_child(instance=finished)
    module = finished.add_child(instance=ModulePage(title="M", summary="m"))
    module.add_child(instance=LessonPage(title="L", estimated_minutes=1, body=[]))
    certificate = Certificate.objects.get(enrollment=complete_course(learner, finished))
    from content.models import PathwayPage, StandardPage

    standard = course.get_parent().get_parent().add_child(instance=StandardPage(title="About", slug="about"))
    course.get_parent().get_parent().add_child(instance=PathwayPage(title="Your pathway", slug="pathway"))
    clients = {"anonymous": Client(raise_request_exception=False)}
    clients["other_learner"] = Client(raise_request_exception=False)
    clients["other_learner"].force_login(UserFactory())
    district = Cohort.objects.create(name="District")
    school = Cohort.objects.create(name="School S", parent=district)
    sideways = Cohort.objects.create(name="School T", parent=district)
    below = Cohort.objects.create(name="Class C", parent=school)
    membership = cohort_member_add(cohort=school, learner=learner)
    # Out of Open enrollment (where enrolling put them): S is the owner's only cohort.
    cohort_member_remove(cohort=cohort_open_enrollment_get(), learner=learner)
    for cohort in (sideways, below):
        cohort_member_add(cohort=cohort, learner=UserFactory())
    assignment = CohortCourse.objects.create(cohort=school, course=course)
    accommodation = QuizAccommodation.objects.create(learner=learner, quiz=quiz, extra_minutes=10)
    regrade_job = RegradeJob.objects.create(created_by=learner, quiz=quiz, attempt_ids=[attempt.pk])
    experience = ExperienceFactory(learner=learner)
    cohort_role = TargetRoleFactory(visibility="cohorts")
    cohort_role.cohorts.set([school])
    cohort_role.save()
    target_role_choose(learner=learner, role=cohort_role)
    coordinators = {}
    for actor, cohort in zip(COORDINATORS, (district, sideways, below), strict=True):
        coordinators[actor] = make_coordinator(cohorts=[cohort])
        clients[actor] = Client(raise_request_exception=False)
        clients[actor].force_login(coordinators[actor])
    report_export = ReportExport.objects.create(
        requested_by=coordinators["coordinator_inside"], report="progress_matrix", file_format="csv"
    )
    report_export_build(export_id=report_export.pk)
    invited = invited_account_create(
        email="invited@example.org", first_name="I", last_name="N", certificate_name=""
    )
    cohort_member_add(cohort=school, learner=invited)
    invitation, _token = invitation_create(learner=invited, cohort=school, invited_by=None)
    bulk_job = BulkEnrollmentJob.objects.create(
        created_by=coordinators["coordinator_inside"], source="paste", text="a@example.org", expires_days=30
    )
    return SimpleNamespace(
        school=school,
        membership=membership,
        assignment=assignment,
        invitation=invitation,
        bulk_job=bulk_job,
        accommodation=accommodation,
        regrade_job=regrade_job,
        report_export=report_export,
        experience=experience,
        cohort_role=cohort_role,
        course=course,
        other_course=finished,
        lesson=lesson,
        quiz=quiz,
        attempt=attempt,
        response=attempt.responses.first(),
        certificate=certificate,
        standard=standard,
        clients=clients,
    )


def test_every_route_with_a_parameter_has_an_expectation_and_meets_it(world, capsys):
    routes = routes_with_parameters()
    missing = [r for r in routes if r not in ROUTES and not r.startswith(ADMIN_PREFIXES)]
    assert missing == [], f"Add these routes to ROUTES: {missing}"
    assert sorted(r for r in ROUTES if r not in routes) == [], "ROUTES lists routes that no longer exist"
    unlisted = [r for r in routes if r.startswith(LEARNER_ADMIN_PREFIXES) and r not in ADMIN_LEARNER_ROUTES]
    assert unlisted == [], f"Add these learner-record admin routes to ADMIN_LEARNER_ROUTES: {unlisted}"
    assert sorted(r for r in ADMIN_LEARNER_ROUTES if r not in routes) == []
    failures, checked = [], 0
    for route in routes:
        if route in ADMIN_LEARNER_ROUTES:
            method, expected = "get", IN_SCOPE
            url = _url(route, ADMIN_LEARNER_ROUTES[route](world))
        elif route.startswith(ADMIN_PREFIXES):
            # Admin screens take ids of editorial records (pages, questions, images): no
            # learner or visitor gets any of them, whatever the id. Coordinators author them.
            method, values, expected = "get", None, {"anonymous": DENIED, "other_learner": DENIED}
            expected.update(dict.fromkeys(COORDINATORS, "any"))
            url = _url(route, lambda name: 1)
        else:
            method, values, expected = ROUTES[route]
            url = _url(route, values(world))
        for actor in ACTORS:
            response = getattr(world.clients[actor], method)(url)
            checked += 1
            assert response.status_code < 500, (route, actor, response.status_code)
            expectation = expected.get(actor) if expected is IN_SCOPE else _expected(expected, actor, route)
            if expectation not in (None, "any") and not _check(response, expectation, world):
                failures.append((route, actor, expectation, response.status_code, response.get("Location")))
    with capsys.disabled():
        print(f"\nauthorization sweep: {len(routes)} routes × {len(ACTORS)} actors = {checked} requests")  # noqa: T201
    assert failures == []


def test_certificate_admin_actions_are_in_the_sweep():
    """The admin routes that change a certificate by id are swept (learners and visitors
    denied); who among admin users may use them is the access selector's, tested with them."""
    routes = routes_with_parameters()
    for action in ("revoke", "reissue", "reinstate"):
        assert f"admin/certificates/{action}/<int:pk>/" in routes


def test_every_page_type_has_an_expectation_and_meets_it(world, capsys):
    page_types = sorted(m.__name__ for m in get_page_models() if m is not Page)
    assert sorted(PAGE_TYPES) == page_types, "Add the new page type to PAGE_TYPES"
    failures, checked = [], 0
    for name in page_types:
        page = Page.objects.type(next(m for m in get_page_models() if m.__name__ == name)).live().first()
        assert page is not None, name
        for actor in ACTORS:
            response = world.clients[actor].get(page.url)
            checked += 1
            if not _check(response, _expected(PAGE_TYPES[name], actor), world):
                failures.append((name, actor, response.status_code, response.get("Location")))
    with capsys.disabled():
        print(f"\npage types: {len(page_types)} types × {len(ACTORS)} actors = {checked} requests")  # noqa: T201
    assert failures == []
