"""The grading queue, anonymous grading, optimistic concurrency between graders, and what
the learner is told and shown once a response is graded (issue 17)."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, AttemptState, Question, Response, RubricCriterion
from assessments.selectors import grading_pseudonym, responses_awaiting_grading
from assessments.services import attempts as services
from assessments.services.attempts import GradeConflict
from assessments.services.gift_import import question_bank_import_gift
from courses.models import Cohort, LearnerEvent, LearnerEventKind
from courses.models.records import ActivityResult
from courses.services import cohort_member_add, enrollment_create, lesson_complete
from tests.factories import UserFactory, build_quiz, course_lessons, make_coordinator

pytestmark = pytest.mark.django_db


def essay_question(title="Essay", text="Tell us what you would do."):
    question_bank_import_gift(text=f"::{title}::{text}{{}}", bank_path="essays")
    essay = Question.objects.get(title=title)
    essay.marks = 4
    RubricCriterion.objects.create(
        question=essay,
        criterion="Names the concern",
        points=2,
        levels=[{"points": 0, "descriptor": "Missing"}, {"points": 2, "descriptor": "Named clearly"}],
    )
    RubricCriterion.objects.create(
        question=essay,
        criterion="Proposes a next step",
        points=2,
        levels=[
            {"points": 0, "descriptor": "None"},
            {"points": 1, "descriptor": "Vague"},
            {"points": 2, "descriptor": "Concrete"},
        ],
    )
    essay.save_revision().publish()
    return essay


def submit_essay(learner, quiz, text="I would listen first.", now=None):
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=now)
    return services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=QueryDict(f"q1={text}"), now=now
    )


def post_grade(client, response, *, levels=("2", "1"), comment="Clear.", seen="", button="save", query=""):
    criteria = [c["id"] for c in response.grading_data["rubric"]]
    data = {f"c-{cid}": level for cid, level in zip(criteria, levels, strict=True)}
    data.update({"comment": comment, "seen": seen, button: ""})
    return client.post(reverse("grading:response", args=[response.pk]) + query, data)


@pytest.fixture
def essay(db):
    return essay_question()


@pytest.fixture
def essay_quiz(module, essay):
    return build_quiz(module, questions=[essay], title="Essay quiz", max_attempts=1)


@pytest.fixture
def coordinator():
    return make_coordinator(display_name="Grace Grader")


@pytest.fixture
def grader(coordinator):
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    return client


def test_queue_lists_open_responses_oldest_first_under_pseudonyms(
    grader, learner, enrolled, essay_quiz, course
):
    """Open responses are listed oldest submission first; with anonymous grading on (the
    default) the learner's name is replaced by the attempt's pseudonym."""
    learner.display_name = "Lena Learner"
    learner.save()
    other = UserFactory(display_name="Omar Other")
    enrollment_create(learner=other, course=course)
    start = timezone.now() - timedelta(hours=2)
    late = submit_essay(other, essay_quiz, now=start + timedelta(minutes=30))
    early = submit_essay(learner, essay_quiz, now=start)
    html = grader.get(reverse("grading:index")).content.decode()
    first, second = grading_pseudonym(attempt_id=early.pk), grading_pseudonym(attempt_id=late.pk)
    assert first != second
    assert html.index(first) < html.index(second)
    assert "Lena Learner" not in html and "Omar Other" not in html
    page = grader.get(reverse("grading:response", args=[early.responses.get().pk])).content.decode()
    assert first in page and "Lena Learner" not in page


def test_pseudonym_is_stable_per_attempt():
    assert (
        grading_pseudonym(attempt_id=7) == grading_pseudonym(attempt_id=7) != grading_pseudonym(attempt_id=8)
    )


def test_name_is_shown_once_the_grade_is_saved(grader, learner, enrolled, essay_quiz):
    learner.display_name = "Lena Learner"
    learner.save()
    response = submit_essay(learner, essay_quiz).responses.get()
    result = post_grade(grader, response)
    assert result.status_code == 302
    page = grader.get(result["Location"]).content.decode()
    assert "Lena Learner" in page


def test_anonymous_grading_can_be_turned_off_for_the_session(grader, learner, enrolled, essay_quiz):
    learner.display_name = "Lena Learner"
    learner.save()
    submit_essay(learner, essay_quiz)
    grader.post(reverse("grading:anonymous"), {"anonymous": "off", "next": reverse("grading:index")})
    assert "Lena Learner" in grader.get(reverse("grading:index")).content.decode()
    grader.post(reverse("grading:anonymous"), {"anonymous": "on", "next": "https://evil.example/"})
    assert "Lena Learner" not in grader.get(reverse("grading:index")).content.decode()


def test_rubric_levels_are_summed_and_scaled_to_the_marks(grader, learner, enrolled, essay_quiz):
    """2 + 1 of 4 rubric points on a 4-mark essay is 3 marks; the attempt is graded."""
    attempt = submit_essay(learner, essay_quiz)
    response = attempt.responses.get()
    assert post_grade(grader, response, levels=("2", "1"), comment="Name the next step.").status_code == 302
    response.refresh_from_db()
    attempt.refresh_from_db()
    assert response.score == 3 and response.grader_comment == "Name the next step."
    assert attempt.state == AttemptState.GRADED and attempt.percent == 75


def test_a_missing_level_re_renders_with_a_message_and_saves_nothing(grader, learner, enrolled, essay_quiz):
    response = submit_essay(learner, essay_quiz).responses.get()
    criteria = [c["id"] for c in response.grading_data["rubric"]]
    result = grader.post(
        reverse("grading:response", args=[response.pk]), {f"c-{criteria[0]}": "2", "comment": "x", "seen": ""}
    )
    assert result.status_code == 200
    assert "Choose points for “Proposes a next step”" in result.content.decode()
    response.refresh_from_db()
    assert response.graded_at is None


def test_a_level_not_in_the_rubric_is_refused(grader, learner, enrolled, essay_quiz):
    response = submit_essay(learner, essay_quiz).responses.get()
    result = post_grade(grader, response, levels=("2", "1.5"))
    assert result.status_code == 200
    response.refresh_from_db()
    assert response.graded_at is None


def test_a_tampered_token_is_a_400(grader, learner, enrolled, essay_quiz):
    response = submit_essay(learner, essay_quiz).responses.get()
    assert post_grade(grader, response, seen="yesterday").status_code == 400
    assert post_grade(grader, response, seen="2026-01-01T00:00:00").status_code == 400
    response.refresh_from_db()
    assert response.graded_at is None


def test_second_grader_sees_who_graded_and_overwrites_nothing(
    grader, coordinator, learner, enrolled, essay_quiz
):
    """Two coordinators open the same response; the first saves; the second's save (with
    the token of the ungraded response) is refused with who graded it and when."""
    response = submit_essay(learner, essay_quiz).responses.get()
    second = Client(raise_request_exception=False)
    second.force_login(make_coordinator(display_name="Sam Second"))
    page = second.get(reverse("grading:response", args=[response.pk])).content.decode()
    assert 'name="seen" value=""' in page
    assert post_grade(grader, response, levels=("2", "2"), comment="First.").status_code == 302
    result = post_grade(second, response, levels=("0", "0"), comment="Second.", seen="")
    assert result.status_code == 409
    html = result.content.decode()
    assert "Grace Grader graded this response at" in html and "not saved" in html
    response.refresh_from_db()
    assert response.score == 4 and response.grader_comment == "First." and response.grader == coordinator
    # With the current token (the page re-rendered with it), the second may change it.
    assert (
        post_grade(
            second, response, levels=("0", "1"), comment="Second.", seen=response.graded_at.isoformat()
        ).status_code
        == 302
    )
    response.refresh_from_db()
    assert response.score == 1 and response.grader_comment == "Second."


def test_service_refuses_a_stale_token(learner, enrolled, essay_quiz, coordinator):
    response = submit_essay(learner, essay_quiz).responses.get()
    selections = {c["id"]: 2 for c in response.grading_data["rubric"]}
    services.response_grade_manual(response_id=response.pk, selections=selections, grader=coordinator)
    with pytest.raises(GradeConflict) as conflict:
        services.response_grade_manual(response_id=response.pk, selections=selections, grader=UserFactory())
    assert conflict.value.grader == coordinator
    first = Response.objects.get(pk=response.pk)
    with pytest.raises(GradeConflict):
        services.response_grade_manual(
            response_id=response.pk,
            selections=selections,
            grader=coordinator,
            seen_graded_at=first.graded_at - timedelta(microseconds=1),
        )


def test_attempt_form_carries_the_token_too(grader, learner, enrolled, essay_quiz, coordinator):
    """The one-attempt grading screen is held to the same rule: a post made before someone
    else graded the response does not overwrite it."""
    attempt = submit_essay(learner, essay_quiz)
    response = attempt.responses.get()
    selections = {c["id"]: 2 for c in response.grading_data["rubric"]}
    services.response_grade_manual(
        response_id=response.pk, selections=selections, grader=coordinator, comment="Kept."
    )
    data = {f"r{response.pk}-{cid}": "0" for cid in selections}
    data.update({f"r{response.pk}-comment": "Lost?", f"r{response.pk}-seen": ""})
    result = grader.post(reverse("grading:attempt", args=[attempt.pk]), data)
    assert result.status_code == 200 and "Grace Grader graded this response" in result.content.decode()
    response.refresh_from_db()
    assert response.grader_comment == "Kept." and response.score == 4


def test_save_and_next_opens_the_next_waiting_response_with_the_filters(
    grader, learner, enrolled, essay_quiz, course, module
):
    other = UserFactory()
    enrollment_create(learner=other, course=course)
    start = timezone.now() - timedelta(hours=1)
    first = submit_essay(learner, essay_quiz, now=start).responses.get()
    second = submit_essay(other, essay_quiz, now=start + timedelta(minutes=5)).responses.get()
    other_quiz = build_quiz(
        module, questions=[Question.objects.get(title="Essay")], title="Another essay quiz"
    )
    submit_essay(learner, other_quiz, now=start + timedelta(minutes=1))
    query = f"?quiz={essay_quiz.pk}"
    result = post_grade(grader, first, button="next", query=query)
    assert result["Location"] == reverse("grading:response", args=[second.pk]) + query
    result = post_grade(grader, second, button="next", query=query)
    assert result["Location"] == reverse("grading:index") + query


def test_queue_filters_by_course_quiz_and_cohort(
    grader, coordinator, learner, enrolled, essay_quiz, course, module, other_course
):
    from courses.models import ModulePage
    from courses.services import cohort_coordinators_set

    other_module = ModulePage.objects.child_of(other_course).first()
    other_quiz = build_quiz(
        other_module, questions=[Question.objects.get(title="Essay")], title="Other course quiz"
    )
    enrollment_create(learner=learner, course=other_course)
    a = submit_essay(learner, essay_quiz)
    b = submit_essay(learner, other_quiz)
    classmate = UserFactory()
    enrollment_create(learner=classmate, course=course)
    c = submit_essay(classmate, essay_quiz)
    school = Cohort.objects.create(name="School")
    cohort_member_add(cohort=school, learner=classmate)
    cohort_coordinators_set(cohort=school, coordinators=[coordinator], keep_others=True)

    def listed(**filters):
        return set(
            responses_awaiting_grading(user=coordinator, **filters).values_list("attempt_id", flat=True)
        )

    assert listed() == {a.pk, b.pk, c.pk}
    assert listed(course=course) == {a.pk, c.pk}
    assert listed(quiz=other_quiz) == {b.pk}
    assert listed(cohort=school) == {c.pk}
    html = grader.get(reverse("grading:index"), {"course": other_course.pk}).content.decode()
    assert grading_pseudonym(attempt_id=b.pk) in html and grading_pseudonym(attempt_id=a.pk) not in html


def test_a_cohort_out_of_scope_is_not_a_filter_choice(grader, learner, enrolled, essay_quiz):
    attempt = submit_essay(learner, essay_quiz)
    elsewhere = Cohort.objects.create(name="Elsewhere")
    cohort_member_add(cohort=elsewhere, learner=learner)
    result = grader.get(reverse("grading:index"), {"cohort": elsewhere.pk})
    assert result.status_code == 200
    html = result.content.decode()
    assert "Elsewhere" not in html and grading_pseudonym(attempt_id=attempt.pk) not in html


def test_grading_outside_the_graders_cohorts_is_a_404(learner, enrolled, essay_quiz):
    response = submit_essay(learner, essay_quiz).responses.get()
    outsider = Client(raise_request_exception=False)
    outsider.force_login(make_coordinator(cohorts=[Cohort.objects.create(name="Beside")]))
    assert outsider.get(reverse("grading:response", args=[response.pk])).status_code == 404
    assert post_grade(outsider, response).status_code == 404
    assert (
        grading_pseudonym(attempt_id=response.attempt_id)
        not in outsider.get(reverse("grading:index")).content.decode()
    )
    response.refresh_from_db()
    assert response.graded_at is None


def test_a_learner_cannot_reach_the_grading_screens(learner_client, learner, enrolled, essay_quiz):
    response = submit_essay(learner, essay_quiz).responses.get()
    assert learner_client.get(reverse("grading:index")).status_code in (302, 403)
    assert learner_client.get(reverse("grading:response", args=[response.pk])).status_code in (302, 403)


def test_grading_completes_the_course_and_tells_the_learner(grader, learner, enrolled, essay, module, course):
    """The grade is reported to the course (completion re-evaluated by its services) and the
    release is recorded once as the event the notification table sends."""
    quiz = build_quiz(module, questions=[essay], title="Required essay", required_for_completion=True)
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    response = submit_essay(learner, quiz).responses.get()
    enrolled.refresh_from_db()
    assert not enrolled.is_completed
    assert post_grade(grader, response, levels=("2", "2")).status_code == 302
    enrolled.refresh_from_db()
    assert enrolled.is_completed
    assert ActivityResult.objects.get(activity=quiz).status == "passed"
    assert LearnerEvent.objects.filter(kind=LearnerEventKind.ATTEMPT_GRADED, learner=learner).count() == 1
    response.refresh_from_db()
    post_grade(grader, response, levels=("2", "1"), seen=response.graded_at.isoformat())
    assert LearnerEvent.objects.filter(kind=LearnerEventKind.ATTEMPT_GRADED, learner=learner).count() == 1


def test_learner_sees_rubric_and_feedback_as_the_review_policy_allows(
    grader, learner, learner_client, enrolled, essay, module
):
    full = build_quiz(module, questions=[essay], title="Full review")
    score_only = build_quiz(module, questions=[essay], title="Score only", review_level="score_only")
    for quiz in (full, score_only):
        response = submit_essay(learner, quiz).responses.get()
        post_grade(grader, response, levels=("2", "1"), comment="Say what you would do <next>.")
    full_page = learner_client.get(
        reverse("assessments:result", args=[Attempt.objects.get(quiz=full).pk])
    ).content.decode()
    assert "Proposes a next step" in full_page and "Vague" in full_page
    assert "Say what you would do &lt;next&gt;." in full_page
    hidden = learner_client.get(
        reverse("assessments:result", args=[Attempt.objects.get(quiz=score_only).pk])
    ).content.decode()
    assert "Proposes a next step" not in hidden and "Say what you would do" not in hidden


def test_another_learner_cannot_see_the_feedback(grader, learner, enrolled, essay_quiz):
    response = submit_essay(learner, essay_quiz).responses.get()
    post_grade(grader, response, comment="Private feedback.")
    nosy = Client(raise_request_exception=False)
    nosy.force_login(UserFactory())
    result = nosy.get(reverse("assessments:result", args=[response.attempt_id]))
    assert result.status_code == 404 and b"Private feedback." not in result.content
