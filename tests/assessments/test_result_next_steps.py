"""The result page leads: a Passed / Not passed label, the pass mark, attempts left, and what
to do next, within what the review policy allows."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import ReviewLevel
from assessments.services import attempts as services
from assessments.services.review import attempt_next_steps
from courses.models import LessonPage
from tests.factories import build_quiz

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
