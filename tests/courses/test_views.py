import pytest
from django.urls import reverse

from courses.models import Enrollment, LessonProgress, ReflectionNote
from courses.services import enrollment_create, lesson_complete
from tests.factories import UserFactory, build_course, course_lessons

pytestmark = pytest.mark.django_db


def test_catalogue_and_course_page_are_public(client, course):
    """Anonymous visitors see the catalogue and the course page with a log-in prompt."""
    response = client.get("/courses/")
    assert response.status_code == 200
    assert course.title in response.content.decode()
    response = client.get(course.url)
    assert response.status_code == 200
    assert "Sign in to enroll" in response.content.decode()


def test_catalogue_filters_by_tag(client, index):
    """Choosing a competency tag lists only the courses with that tag."""
    build_course(index, title="Listening Well", tags=("communication",))
    build_course(index, title="Family Nights", tags=("community engagement",))
    html = client.get("/courses/?tag=communication").content.decode()
    assert "Listening Well" in html
    assert "Family Nights" not in html


def test_anonymous_lesson_redirects_to_login(client, course):
    """Lessons are for signed-in learners: an anonymous visitor is sent to log in."""
    lesson = course_lessons(course)[0]
    response = client.get(lesson.url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_not_enrolled_lesson_redirects_to_course(learner_client, course):
    """A learner who is not enrolled is sent to the course page to enroll."""
    response = learner_client.get(course_lessons(course)[0].url)
    assert response.status_code == 302
    assert response.url == course.url


def test_enroll_then_read_lesson(learner_client, learner, course):
    """Enrolling from the course page opens the lessons and shows the progress bar."""
    response = learner_client.post(reverse("courses:enroll", args=[course.pk]))
    assert response.status_code == 302
    assert Enrollment.objects.filter(learner=learner, course=course).exists()
    lesson = course_lessons(course)[0]
    html = learner_client.get(lesson.url).content.decode()
    assert "Listening carefully builds trust" in html
    assert "Mark complete and continue" in html
    assert "<progress" in html


def test_enroll_with_missing_prerequisite_shows_message(learner_client, learner, index):
    """The course page explains the missing prerequisite; no enrollment is made."""
    basics = build_course(index, title="Basics")
    advanced = build_course(index, title="Advanced")
    advanced.prerequisites.set([basics])
    advanced.save_revision().publish()
    response = learner_client.post(reverse("courses:enroll", args=[advanced.pk]), follow=True)
    assert "Complete “Basics” before enrolling" in response.content.decode()
    assert not Enrollment.objects.filter(learner=learner).exists()


def test_enroll_requires_post(learner_client, course):
    """A GET to the enroll endpoint changes nothing."""
    response = learner_client.get(reverse("courses:enroll", args=[course.pk]))
    assert response.status_code == 405
    assert not Enrollment.objects.exists()


def test_mark_complete_moves_to_next_lesson(learner_client, learner, course):
    """Marking a lesson complete records progress and goes to the next lesson."""
    enrollment_create(learner=learner, course=course)
    first, second = course_lessons(course)[:2]
    response = learner_client.post(
        reverse("courses:lesson_complete", args=[first.pk]), {"next": str(second.pk)}
    )
    assert response.status_code == 302
    assert response.url == second.url
    assert LessonProgress.objects.filter(lesson=first, enrollment__learner=learner).exists()


def test_mark_complete_with_tampered_next_is_400(learner_client, learner, course):
    """A non-numeric 'next' value is a tampered request."""
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    response = learner_client.post(reverse("courses:lesson_complete", args=[lesson.pk]), {"next": "x;1"})
    assert response.status_code == 400


def test_progress_in_course_not_enrolled_is_404(learner_client, course):
    """Recording progress in a course one is not enrolled in is a 404 and records nothing."""
    lesson = course_lessons(course)[0]
    response = learner_client.post(reverse("courses:lesson_complete", args=[lesson.pk]))
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_reflection_notes_are_visible_only_to_their_author(client, course):
    """A note saved by one learner never appears on another learner's lesson page."""
    lesson = course_lessons(course)[0]
    block_id = lesson.reflection_block_ids[0]
    author, other = UserFactory(), UserFactory()
    for user in (author, other):
        enrollment_create(learner=user, course=course)
    client.force_login(author)
    url = reverse("courses:reflection_save", args=[lesson.pk, block_id])
    response = client.post(url, {"text": "My private thought about <b>trust</b>"})
    assert response.status_code == 302
    html = client.get(lesson.url).content.decode()
    assert "My private thought about &lt;b&gt;trust&lt;/b&gt;" in html
    client.force_login(other)
    assert "My private thought" not in client.get(lesson.url).content.decode()


def test_reflection_on_unknown_block_is_400(learner_client, learner, course):
    """A forged block id is a tampered request and saves nothing."""
    enrollment_create(learner=learner, course=course)
    lesson = course_lessons(course)[0]
    response = learner_client.post(
        reverse("courses:reflection_save", args=[lesson.pk, "forged-id"]), {"text": "hi"}
    )
    assert response.status_code == 400
    assert not ReflectionNote.objects.exists()


def test_reflection_when_not_enrolled_is_404(learner_client, course):
    """Saving a note in a course one is not enrolled in is a 404."""
    lesson = course_lessons(course)[0]
    url = reverse("courses:reflection_save", args=[lesson.pk, lesson.reflection_block_ids[0]])
    assert learner_client.post(url, {"text": "hi"}).status_code == 404
    assert not ReflectionNote.objects.exists()


def test_dashboard_lists_enrollments_with_progress(learner_client, learner, index):
    """My learning shows each enrollment with its progress and a resume link."""
    first = build_course(index, title="First Course")
    second = build_course(index, title="Second Course")
    enrollment_create(learner=learner, course=first)
    enrollment_create(learner=learner, course=second)
    lessons = course_lessons(first)
    lesson_complete(learner=learner, lesson=lessons[0])
    html = learner_client.get(reverse("dashboard")).content.decode()
    assert "First Course" in html and "Second Course" in html
    assert "25% complete" in html and "1 of 4 lessons" in html
    assert "0% complete" in html and "0 of 4 lessons" in html
    assert f'href="{lessons[1].url}"' in html
    assert f"Next step: Continue with “{lessons[1].title}”" in html


def test_dashboard_requires_login(client, db):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302


def test_unknown_page_is_styled_404(client, tree):
    """Unknown URLs get the site's own 404 page."""
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can’t find that page" in response.content.decode()
