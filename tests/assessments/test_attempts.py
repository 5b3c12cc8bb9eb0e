"""Quiz attempts: the server owns the clock, the answer key and the grade."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt, AttemptState, QuizAccommodation, Response
from assessments.services import attempts as services
from courses.models import ActivityResult, Enrollment
from courses.services import lesson_complete
from tests.factories import UserFactory, build_quiz, course_lessons, make_questions

pytestmark = pytest.mark.django_db
MARKER = "SECRETMARK"


def correct_post(attempt) -> QueryDict:
    from assessments.kinds import kind_of

    data = QueryDict(mutable=True)
    for response in attempt.responses.all():
        answer = kind_of(response.grading_data).correct_response(response.grading_data)
        name = services.field_name(response)
        if isinstance(answer, bool):
            data[name] = "true" if answer else "false"
        elif isinstance(answer, list):
            data.setlist(name, answer)
        elif isinstance(answer, dict):
            for left, right in answer.items():
                data[f"{name}:{left}"] = right
        else:
            data[name] = str(answer)
    return data


def test_start_copies_questions_and_reload_shows_the_same_quiz(learner_client, learner, enrolled, quiz):
    """An attempt copies each question's live revision; reloading renders identically."""
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    responses = list(attempt.responses.all())
    assert len(responses) == 6
    assert all(r.revision_id and r.grading_data["type"] for r in responses)
    url = reverse("assessments:attempt", args=[attempt.pk])
    first = learner_client.get(url).content.decode()
    second = learner_client.get(url).content.decode()
    strip = lambda html: html.split('name="csrfmiddlewaretoken"')[0] + html.split("</form>")[-1]  # noqa: E731
    assert strip(first) == strip(second)
    assert services.quiz_start(learner=learner, quiz=quiz).pk == attempt.pk


def test_editing_a_question_does_not_change_an_open_attempt(learner, enrolled, quiz, questions):
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    question = questions[0]
    question.marks = 5
    question.save_revision().publish()
    assert Response.objects.get(attempt=attempt, question=question).grading_data["marks"] == "1"


def test_quiz_pages_and_autosave_never_reveal_answers(learner_client, learner, enrolled, quiz):
    """No feedback, fraction or correct-answer marker reaches the browser before review."""
    assert MARKER not in learner_client.get(quiz.url).content.decode()
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    html = learner_client.get(reverse("assessments:attempt", args=[attempt.pk])).content.decode()
    assert "Pick the right one." in html
    assert MARKER not in html
    assert "fraction" not in html and "Right one" in html  # matching choices are shown, unlabelled
    response = learner_client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {"sequence": "0"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert MARKER not in response.content.decode()


@pytest.mark.parametrize(
    ("level", "shows_status", "shows_answers"),
    [("score_only", False, False), ("responses", True, False), ("correct_answers", True, True)],
)
def test_result_page_follows_review_policy(
    learner_client, learner, enrolled, module, questions, level, shows_status, shows_answers
):
    """Feedback and correct answers (all carrying the marker) appear only at the top level."""
    quiz = build_quiz(module, questions=questions, review_level=level, title=f"Quiz {level}")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    single = attempt.responses.get(grading_data__type="single_choice")
    wrong = next(o["id"] for o in single.grading_data["options"] if o["text"] == "Wrong")
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=QueryDict(f"{services.field_name(single)}={wrong}")
    )
    html = learner_client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert "You scored 0%" in html
    assert ("Your answer" in html) == shows_status
    assert (MARKER in html) == shows_answers


def test_review_after_close_shows_only_score_until_then(learner_client, learner, enrolled, module, questions):
    close = timezone.now() + timedelta(days=2)
    quiz = build_quiz(
        module, questions=questions, review_after_close=True, close_at=close, title="Later review"
    )
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=correct_post(attempt))
    html = learner_client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert "You scored 100%" in html and MARKER not in html and "available after" in html


def _attempt_post(attempt, **fields):
    data = {"sequence": str(attempt.sequence)}
    data.update(fields)
    return data


@pytest.mark.parametrize("endpoint", ["assessments:save", "assessments:submit"])
def test_tampered_answers_get_400_and_change_nothing(learner_client, learner, enrolled, quiz, endpoint):
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    single = attempt.responses.get(grading_data__type="single_choice")
    tf = attempt.responses.get(grading_data__type="true_false")
    url = reverse(endpoint, args=[attempt.pk])
    cases = [
        {services.field_name(single): "not-an-option-of-this-attempt"},
        {"q999": "x"},
        {services.field_name(tf): "maybe"},
    ]
    for fields in cases:
        assert learner_client.post(url, _attempt_post(attempt, **fields)).status_code == 400, fields
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.sequence == 0
    assert not attempt.responses.exclude(answer=None).exists()


def test_oversized_body_and_essay_are_refused(learner_client, learner, enrolled, module):
    from assessments.models import RubricCriterion
    from assessments.services.gift_import import question_bank_import_gift

    question_bank_import_gift(text="::Essay::Tell us.{}", bank_path="essays")
    from assessments.models import Question

    essay = Question.objects.get(title="Essay")
    RubricCriterion.objects.create(question=essay, criterion="Clear", points=1)
    essay.save_revision().publish()
    quiz = build_quiz(module, questions=[essay], title="Essay quiz")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    url = reverse("assessments:save", args=[attempt.pk])
    assert learner_client.post(url, _attempt_post(attempt, q1="x" * 20_001)).status_code == 400
    assert learner_client.post(url, _attempt_post(attempt, q1="x" * 1_000_001)).status_code == 400
    assert learner_client.post(url, _attempt_post(attempt, q1="A fine answer.")).status_code == 302
    assert attempt.responses.get().answer == "A fine answer."


def test_another_learners_attempt_is_404(client, learner, enrolled, quiz):
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    client.force_login(UserFactory())
    for name in ("assessments:attempt", "assessments:result"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    for name in ("assessments:save", "assessments:submit"):
        assert client.post(reverse(name, args=[attempt.pk]), {"sequence": "0"}).status_code == 404
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.IN_PROGRESS


def test_double_submit_grades_once(learner_client, learner, enrolled, quiz):
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    url = reverse("assessments:submit", args=[attempt.pk])
    data = {**dict(correct_post(attempt).lists()), "sequence": "0"}
    first = learner_client.post(url, data)
    graded_at = Attempt.objects.get(pk=attempt.pk).graded_at
    second = learner_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second.url == reverse("assessments:result", args=[attempt.pk])
    assert Attempt.objects.get(pk=attempt.pk).graded_at == graded_at


def test_start_beyond_attempt_limit_is_refused_with_message(
    learner_client, learner, enrolled, module, questions
):
    quiz = build_quiz(module, questions=questions, max_attempts=1, title="One try")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=attempt.pk, learner=learner)
    response = learner_client.post(reverse("assessments:start", args=[quiz.pk]), follow=True)
    assert "You have used your 1 attempt at this quiz." in response.content.decode()
    assert Attempt.objects.filter(quiz=quiz).count() == 1


def test_stale_sequence_is_409(learner_client, learner, enrolled, quiz):
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    url = reverse("assessments:save", args=[attempt.pk])
    assert learner_client.post(url, {"sequence": "0"}, HTTP_ACCEPT="application/json").status_code == 200
    response = learner_client.post(url, {"sequence": "0"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 409


def test_not_enrolled_cannot_start(learner_client, quiz):
    assert learner_client.post(reverse("assessments:start", args=[quiz.pk])).status_code == 404
    assert learner_client.get(quiz.url).status_code == 302
    assert not Attempt.objects.exists()


# --- timing, with a controlled clock ------------------------------------------------------


def test_late_answers_are_not_stored(learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, time_limit_minutes=10, title="Timed")
    start = timezone.now()
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=start)
    data = correct_post(attempt)
    with pytest.raises(services.AttemptClosed):
        services.attempt_save(
            attempt_id=attempt.pk, learner=learner, data=data, sequence=0, now=start + timedelta(minutes=11)
        )
    graded = services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=data, sequence=0, now=start + timedelta(minutes=11)
    )
    assert graded.score == 0
    assert not graded.responses.exclude(answer=None).exists()


def test_answers_saved_in_time_are_graded_after_expiry(learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, time_limit_minutes=10, title="Timed")
    start = timezone.now()
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=start)
    services.attempt_save(
        attempt_id=attempt.pk,
        learner=learner,
        data=correct_post(attempt),
        sequence=0,
        now=start + timedelta(minutes=9),
    )
    assert services.attempts_finalise_expired(now=start + timedelta(minutes=10)) == 1
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED and attempt.percent == 100
    assert attempt.submitted_at == attempt.deadline


def test_forged_timer_fields_are_ignored(learner_client, learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, time_limit_minutes=10, title="Timed")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    deadline = attempt.deadline
    response = learner_client.post(
        reverse("assessments:save", args=[attempt.pk]),
        {
            "sequence": "0",
            "deadline": "2999-01-01T00:00:00Z",
            "remaining_seconds": "999999",
            "time_limit": "0",
        },
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.deadline == deadline


def test_twenty_five_hour_limit_and_accommodation(learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, time_limit_minutes=25 * 60, title="Long")
    QuizAccommodation.objects.create(learner=learner, quiz=quiz, extra_minutes=90)
    start = timezone.now()
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=start)
    assert attempt.deadline == start + timedelta(hours=26, minutes=30)


def test_close_date_earlier_than_limit_wins(learner, enrolled, module, questions):
    start = timezone.now()
    close = start + timedelta(minutes=20)
    quiz = build_quiz(module, questions=questions, time_limit_minutes=60, close_at=close, title="Closing")
    assert services.quiz_start(learner=learner, quiz=quiz, now=start).deadline == close


def test_closed_and_not_yet_open_quizzes_refuse_to_start(learner, enrolled, module, questions):
    now = timezone.now()
    early = build_quiz(module, questions=questions, open_at=now + timedelta(days=1), title="Soon")
    late = build_quiz(module, questions=questions, close_at=now - timedelta(days=1), title="Gone")
    with pytest.raises(ValidationError, match="opens on"):
        services.quiz_start(learner=learner, quiz=early, now=now)
    with pytest.raises(ValidationError, match="closed on"):
        services.quiz_start(learner=learner, quiz=late, now=now)


def test_expired_attempt_is_finalised_when_quiz_is_opened(
    learner_client, learner, enrolled, module, questions
):
    quiz = build_quiz(module, questions=questions, time_limit_minutes=5, title="Short")
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=timezone.now() - timedelta(minutes=6))
    assert learner_client.get(quiz.url).status_code == 200
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.GRADED


# --- grading and course completion --------------------------------------------------------


def test_required_quiz_counts_toward_completion(learner, enrolled, course, module, questions, settings):
    settings.COURSE_COMPLETION_HANDLERS = []
    quiz = build_quiz(module, questions=questions, required_for_completion=True, pass_mark=80, title="Final")
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    assert not Enrollment.objects.get(pk=enrolled.pk).is_completed
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=attempt.pk, learner=learner)  # blank: fails
    assert ActivityResult.objects.get(activity=quiz).status == "failed"
    assert not Enrollment.objects.get(pk=enrolled.pk).is_completed
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=correct_post(attempt))
    assert ActivityResult.objects.get(activity=quiz).status == "passed"
    assert Enrollment.objects.get(pk=enrolled.pk).is_completed


def test_grading_methods(learner, enrolled, module, questions):
    from assessments.selectors import quiz_aggregate_percent

    quiz = build_quiz(module, questions=questions, title="Methods")
    first = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=first.pk, learner=learner, data=correct_post(first))
    second = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=second.pk, learner=learner)
    attempts = list(Attempt.objects.filter(quiz=quiz))
    assert quiz_aggregate_percent(attempts=attempts, method="highest") == 100
    assert quiz_aggregate_percent(attempts=attempts, method="first") == 100
    assert quiz_aggregate_percent(attempts=attempts, method="last") == 0
    assert quiz_aggregate_percent(attempts=attempts, method="average") == 50


def test_essay_waits_for_a_coordinator_then_grades(learner, enrolled, module):
    from assessments.models import Question, RubricCriterion
    from assessments.services.gift_import import question_bank_import_gift

    question_bank_import_gift(text="::Essay::Tell us.{}\n\n::TF::Sky is blue.{T}", bank_path="mixed")
    essay = Question.objects.get(title="Essay")
    essay.marks = 4
    RubricCriterion.objects.create(
        question=essay,
        criterion="Clear",
        points=4,
        levels=[
            {"points": 0, "descriptor": "No"},
            {"points": 2, "descriptor": "Some"},
            {"points": 4, "descriptor": "Yes"},
        ],
    )
    essay.save_revision().publish()
    quiz = build_quiz(module, questions=[essay, Question.objects.get(title="TF")], title="Mixed")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    data = QueryDict(mutable=True)
    for r in attempt.responses.all():
        data[services.field_name(r)] = "My thoughts." if r.grading_data["type"] == "essay" else "true"
    attempt = services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=data)
    assert attempt.state == AttemptState.NEEDS_GRADING
    assert ActivityResult.objects.get(activity=quiz).status == "pending"
    response = attempt.responses.get(needs_manual=True)
    criterion_id = response.grading_data["rubric"][0]["id"]
    with pytest.raises(ValidationError):
        services.response_grade_manual(response_id=response.pk, selections={criterion_id: 3}, grader=learner)
    attempt = services.response_grade_manual(
        response_id=response.pk, selections={criterion_id: 2}, grader=learner, comment="Good start."
    )
    assert attempt.state == AttemptState.GRADED
    assert attempt.score == 3 and attempt.max_score == 5 and attempt.percent == 60


def test_random_draw_respects_bank_and_tag(learner, enrolled, module):
    from assessments.models import QuestionBank

    make_questions(4, bank="pool", prefix="Tagged", tags=["listening"])
    make_questions(4, bank="pool", prefix="Other")
    bank = QuestionBank.objects.get(path="pool")
    quiz = build_quiz(module, draw=(bank, 3, "listening"), title="Drawn")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    titles = set(attempt.responses.values_list("question__title", flat=True))
    assert len(titles) == 3 and all(t.startswith("Tagged") for t in titles)


def test_publishing_fails_when_a_pool_is_too_small(module):
    from assessments.models import QuestionBank

    make_questions(2, bank="small")
    with pytest.raises(ValidationError, match="has 2 live questions, but the draw asks for 5"):
        build_quiz(module, draw=(QuestionBank.objects.get(path="small"), 5, ""), title="Too many")


def test_course_outline_shows_quiz_status(learner_client, learner, enrolled, course, quiz):
    html = learner_client.get(course.url).content.decode()
    assert quiz.title in html and "not started" in html
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=correct_post(attempt))
    html = learner_client.get(course.url).content.decode()
    assert "passed (100%)" in html


# --- the deadline, rule by rule (found by `make mutation`) ----------------------------------


def test_no_time_limit_and_no_close_date_means_no_deadline(learner, enrolled, module, questions):
    """Without a time limit extra time has nothing to extend: no deadline at all."""
    quiz = build_quiz(module, questions=questions, title="Open-ended")
    QuizAccommodation.objects.create(learner=learner, quiz=quiz, extra_minutes=30)
    assert services.quiz_start(learner=learner, quiz=quiz).deadline is None


def test_close_date_alone_is_the_deadline(learner, enrolled, module, questions):
    start = timezone.now()
    close = start + timedelta(hours=3)
    quiz = build_quiz(module, questions=questions, close_at=close, title="Closes")
    assert services.quiz_start(learner=learner, quiz=quiz, now=start).deadline == close


def test_time_limit_with_extra_time_before_a_later_close_date(learner, enrolled, module, questions):
    """The earlier of (start + limit + the learner's extra time) and the close date wins."""
    start = timezone.now()
    quiz = build_quiz(
        module, questions=questions, time_limit_minutes=30, close_at=start + timedelta(hours=2), title="Both"
    )
    QuizAccommodation.objects.create(learner=learner, quiz=quiz, extra_minutes=15)
    assert services.quiz_start(learner=learner, quiz=quiz, now=start).deadline == start + timedelta(
        minutes=45
    )


def test_an_attempt_is_finalised_at_its_deadline_and_not_before(learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, time_limit_minutes=10, title="Ten minutes")
    start = timezone.now() - timedelta(days=1)  # a clock of its own, far from the real one
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=start)
    early = services.attempt_finalise_if_expired(attempt=attempt, now=attempt.deadline - timedelta(seconds=1))
    assert early.state == AttemptState.IN_PROGRESS
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.IN_PROGRESS
    done = services.attempt_finalise_if_expired(attempt=attempt, now=attempt.deadline)
    assert done.state == AttemptState.GRADED and done.submitted_at == attempt.deadline
    assert done.graded_at == attempt.deadline  # graded on the clock it was given
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.GRADED


def test_an_attempt_without_a_deadline_is_never_finalised(learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, title="Untimed")
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    later = timezone.now() + timedelta(days=365)
    assert services.attempt_finalise_if_expired(attempt=attempt, now=later).state == AttemptState.IN_PROGRESS
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.IN_PROGRESS
