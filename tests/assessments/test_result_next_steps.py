"""The result page leads: a Passed / Not passed label, the pass mark, attempts left, and what
to do next, within what the review policy allows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.kinds import kind_of
from assessments.models import Attempt, AttemptState, ReviewLevel
from assessments.services import attempts as services
from assessments.services.review import attempt_next_steps
from courses.models import LessonPage, ModulePage
from courses.services import enrollment_create, lesson_complete
from tests.factories import UserFactory, build_course, build_quiz, course_lessons

pytestmark = pytest.mark.django_db


def failed_attempt(learner, quiz):
    attempt = services.quiz_start(learner=learner, quiz=quiz)
    return services.attempt_submit(attempt_id=attempt.pk, learner=learner)  # nothing answered


def test_not_passed_names_the_module_lessons_at_score_only(learner, enrolled, module, questions):
    """At score only the page cannot say which questions were missed: it suggests the quiz's
    module lessons, and counts the attempts left."""
    quiz = build_quiz(module, questions=questions, max_attempts=3, review_level=ReviewLevel.SCORE_ONLY)
    steps = attempt_next_steps(attempt=failed_attempt(learner, quiz), now=timezone.now())
    module_lessons = list(LessonPage.objects.child_of(module).order_by("path"))
    assert [lesson["title"] for lesson in steps["review_lessons"]] == [
        lesson.title for lesson in module_lessons
    ]
    assert steps["attempts_left"] == 2
    assert steps["can_retake"]


def test_missed_questions_name_lessons_with_their_tags(learner, enrolled, course, module, questions):
    """Where the review shows right and wrong, the lessons sharing a missed question's tag
    are named, anywhere in the course."""
    other_module_lesson = (
        LessonPage.objects.descendant_of(course).exclude(path__startswith=module.path).first()
    )
    other_module_lesson.tags.add("listening")
    other_module_lesson.save_revision().publish()
    questions[0].tags.add("listening")
    questions[0].save()  # a ClusterTaggableManager writes its tags on save
    quiz = build_quiz(module, questions=questions, review_level=ReviewLevel.RESPONSES)
    steps = attempt_next_steps(attempt=failed_attempt(learner, quiz), now=timezone.now())
    assert [lesson["title"] for lesson in steps["review_lessons"]] == [other_module_lesson.title]
    assert steps["attempts_left"] is None


def test_no_attempts_left_means_no_retake(learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, max_attempts=1)
    steps = attempt_next_steps(attempt=failed_attempt(learner, quiz), now=timezone.now())
    assert steps["attempts_left"] == 0
    assert not steps["can_retake"]


def test_result_page_says_not_passed_in_words(learner_client, learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, max_attempts=2)
    attempt = failed_attempt(learner, quiz)
    html = learner_client.get(reverse("assessments:result", args=[attempt.pk])).content.decode()
    assert "Not passed" in html
    assert "The pass mark is 70%." in html
    assert "You have 1 attempt left." in html
    assert "What to do next" in html and "Then try the quiz again." in html


# --- the rules one by one (found by `make mutation`) -----------------------------------------


def _submit(learner, quiz, *, right=(), now=None):
    """Start and submit ``quiz`` with the questions in ``right`` answered correctly and the
    rest left blank."""
    attempt = services.quiz_start(learner=learner, quiz=quiz, now=now)
    for response in attempt.responses.all():
        if response.question in right:
            kind = kind_of(response.grading_data)
            response.answer = kind.correct_response(response.grading_data)
            response.save(update_fields=["answer"])
    return services.attempt_submit(attempt_id=attempt.pk, learner=learner, now=now)


def _tag(lesson, tag):
    lesson.tags.add(tag)
    lesson.save_revision().publish()


def test_attempts_left_counts_this_learners_attempts_at_this_quiz_not_abandoned_ones(
    learner, enrolled, course, module, questions
):
    """Abandoned attempts, other learners' attempts and attempts at another quiz do not use
    up the learner's attempts."""
    quiz = build_quiz(module, questions=questions, max_attempts=3)
    other_quiz = build_quiz(module, questions=questions, title="Other quiz")
    _submit(learner, other_quiz)
    someone = UserFactory()
    enrollment_create(learner=someone, course=course)
    _submit(someone, quiz)
    abandoned = services.quiz_start(learner=learner, quiz=quiz)
    Attempt.objects.filter(pk=abandoned.pk).update(state=AttemptState.ABANDONED)
    steps = attempt_next_steps(attempt=_submit(learner, quiz), now=timezone.now())
    assert steps["attempts_left"] == 2
    assert steps["can_retake"]


def test_a_passed_attempt_suggests_no_lessons_and_no_retake(learner, enrolled, module, questions):
    quiz = build_quiz(module, questions=questions, max_attempts=3, review_level=ReviewLevel.RESPONSES)
    steps = attempt_next_steps(attempt=_submit(learner, quiz, right=questions), now=timezone.now())
    assert steps["review_lessons"] == []
    assert steps["can_retake"] is False
    assert steps["attempts_left"] == 2


def test_only_missed_questions_name_lessons_in_course_order_with_links(
    learner, enrolled, course, module, questions
):
    """A question answered right names no lesson, even when it shares a lesson's tag; the
    lessons of missed questions come in course order, each with its link."""
    lessons = course_lessons(course)
    _tag(lessons[2], "listening")
    _tag(lessons[3], "empathy")
    _tag(lessons[1], "empathy")
    questions[0].tags.add("listening")
    questions[0].save()
    questions[1].tags.add("empathy")
    questions[1].save()
    quiz = build_quiz(module, questions=questions, review_level=ReviewLevel.RESPONSES)
    steps = attempt_next_steps(attempt=_submit(learner, quiz, right=[questions[0]]), now=timezone.now())
    expected = [LessonPage.objects.get(pk=lessons[i].pk) for i in (1, 3)]
    assert steps["review_lessons"] == [{"title": page.title, "url": page.url} for page in expected]


def test_missed_tags_without_lessons_fall_back_to_the_module(learner, enrolled, module, questions):
    questions[1].tags.add("nowhere")
    questions[1].save()
    quiz = build_quiz(module, questions=questions, review_level=ReviewLevel.RESPONSES)
    steps = attempt_next_steps(attempt=_submit(learner, quiz), now=timezone.now())
    assert [lesson["title"] for lesson in steps["review_lessons"]] == [
        lesson.title for lesson in LessonPage.objects.child_of(module).order_by("path")
    ]


def test_a_quiz_on_the_course_page_suggests_no_lessons_at_score_only(learner, enrolled, course, questions):
    """A course-level quiz has no module to point to: the whole course is not a suggestion."""
    quiz = build_quiz(course, questions=questions, review_level=ReviewLevel.SCORE_ONLY)
    steps = attempt_next_steps(attempt=_submit(learner, quiz), now=timezone.now())
    assert steps["review_lessons"] == []


def test_at_most_five_lessons_are_suggested(learner, index, questions):
    course = build_course(index, title="Long", modules=1, lessons_per_module=7)
    enrollment_create(learner=learner, course=course)
    module = ModulePage.objects.child_of(course).get()
    quiz = build_quiz(module, questions=questions, review_level=ReviewLevel.SCORE_ONLY)
    steps = attempt_next_steps(attempt=_submit(learner, quiz), now=timezone.now())
    assert [lesson["title"] for lesson in steps["review_lessons"]] == [
        lesson.title for lesson in course_lessons(course)[:5]
    ]


def test_no_retake_from_the_close_date_on(learner, enrolled, module, questions):
    """Unlimited attempts: a retake is offered until the quiz closes, and not at its close."""
    start = timezone.now()
    close = start + timedelta(days=1)
    quiz = build_quiz(module, questions=questions, close_at=close)
    attempt = _submit(learner, quiz, now=start)
    before = attempt_next_steps(attempt=attempt, now=close - timedelta(seconds=1))
    at = attempt_next_steps(attempt=attempt, now=close)
    assert before["attempts_left"] is None and before["can_retake"] is True
    assert at["can_retake"] is False


def test_course_completed_says_whether_the_enrollment_is_complete(
    learner, enrolled, course, module, questions, settings
):
    settings.COURSE_COMPLETION_HANDLERS = []
    quiz = build_quiz(module, questions=questions)
    attempt = _submit(learner, quiz)
    assert attempt_next_steps(attempt=attempt, now=timezone.now())["course_completed"] is False
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)
    assert attempt_next_steps(attempt=attempt, now=timezone.now())["course_completed"] is True
