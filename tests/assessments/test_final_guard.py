"""The course final guard: a final with limited attempts warns (with the lessons left) and
asks for confirmation before an attempt is used while lessons are incomplete; a course set to
open its final only when every lesson is complete refuses to start it until then."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import Attempt
from assessments.services import attempts as services
from courses.services import lesson_complete
from tests.factories import build_quiz, course_lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def final(course, questions):
    return build_quiz(course, questions=questions, title="Final assessment", max_attempts=2, slug="final")


def _complete(learner, lessons):
    for lesson in lessons:
        lesson_complete(learner=learner, lesson=lesson)


def test_intro_page_warns_with_lessons_left_and_start_asks_to_confirm(
    learner_client, learner, enrolled, course, final
):
    """Three of four lessons left: the intro page says so; the first POST shows a
    confirmation page and starts nothing; the confirmed POST starts the attempt."""
    first = course_lessons(course)[0]
    _complete(learner, [first])
    html = learner_client.get(final.url).content.decode()
    assert "You have 3 lessons left to complete." in html
    assert "allows 2 attempts" in html
    second = course_lessons(course)[1]
    assert f"Continue with “{second.title}”" in html

    start = reverse("assessments:start", args=[final.pk])
    response = learner_client.post(start)
    assert response.status_code == 200
    assert "Start the final assessment?" in response.content.decode()
    assert not Attempt.objects.filter(learner=learner, quiz=final).exists()

    response = learner_client.post(start, {"confirmed": "yes"})
    attempt = Attempt.objects.get(learner=learner, quiz=final)
    assert response.status_code == 302 and response.url == reverse("assessments:attempt", args=[attempt.pk])


def test_no_warning_when_every_lesson_is_done(learner_client, learner, enrolled, course, final):
    _complete(learner, course_lessons(course))
    assert "lessons left" not in learner_client.get(final.url).content.decode()
    response = learner_client.post(reverse("assessments:start", args=[final.pk]))
    assert response.status_code == 302
    assert Attempt.objects.filter(learner=learner, quiz=final).count() == 1


def test_no_confirmation_for_unlimited_final_or_module_quiz(
    learner_client, learner, enrolled, course, final, quiz
):
    """Unlimited attempts lose nothing, and a module quiz is not the final: no extra step."""
    final.max_attempts = 0
    final.save_revision().publish()
    for page in (final, quiz):
        response = learner_client.post(reverse("assessments:start", args=[page.pk]))
        assert response.status_code == 302, page
    assert "lessons left" not in learner_client.get(final.url).content.decode()
    assert Attempt.objects.filter(learner=learner).count() == 2


def test_course_setting_locks_the_final_until_every_lesson_is_done(
    learner_client, learner, enrolled, course, final
):
    """With final_requires_all_lessons the service refuses to start (even a confirmed POST),
    the page says why and offers no start button; one lesson short is still locked; once all
    are complete the final starts."""
    course.final_requires_all_lessons = True
    course.save_revision().publish()
    lessons = course_lessons(course)
    _complete(learner, lessons[:-1])

    with pytest.raises(ValidationError) as refused:
        services.quiz_start(learner=learner, quiz=final)
    assert refused.value.code == "final_locked"
    assert "1 lesson is left" in refused.value.messages[0]

    html = learner_client.get(final.url).content.decode()
    assert "The final assessment opens when you have completed every lesson: 1 lesson is left." in html
    assert reverse("assessments:start", args=[final.pk]) not in html
    response = learner_client.post(reverse("assessments:start", args=[final.pk]), {"confirmed": "yes"})
    assert response.status_code == 302 and response.url == final.url
    assert not Attempt.objects.filter(learner=learner, quiz=final).exists()

    _complete(learner, lessons[-1:])
    assert services.quiz_start(learner=learner, quiz=final).quiz_id == final.pk


def test_course_setting_does_not_lock_a_module_quiz(learner, enrolled, course, quiz):
    course.final_requires_all_lessons = True
    course.save_revision().publish()
    assert services.quiz_start(learner=learner, quiz=quiz).quiz_id == quiz.pk


def test_setting_defaults_to_off(course):
    from courses.models import CoursePage

    assert CoursePage._meta.get_field("final_requires_all_lessons").default is False
    assert course.final_requires_all_lessons is False
