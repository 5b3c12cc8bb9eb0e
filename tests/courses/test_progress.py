"""The progress owner (courses/progress.py) and the completion rule that reads it."""

import pytest

from courses.models import Enrollment
from courses.models.records import ActivityStatus
from courses.progress import progress_for_course, progress_for_enrollments
from courses.services import activity_result_record, enrollment_create, lesson_complete
from tests.factories import UserFactory, build_course, build_quiz, course_lessons, make_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(db):
    return make_questions(1, bank="progress/bank")[0]


def complete_all_lessons(learner, course):
    for lesson in course_lessons(course):
        lesson_complete(learner=learner, lesson=lesson)


def progress_of(learner, course):
    enrollment = Enrollment.objects.select_related("course").get(learner=learner, course=course)
    return progress_for_enrollments([enrollment])[enrollment.pk]


def test_percent_counts_lessons_and_required_activities(learner, course, question):
    """Every lesson done and the required final not passed is less than 100%, and the next
    step is to pass the final assessment."""
    build_quiz(course, questions=[question], title="Final", required_for_completion=True)
    enrollment_create(learner=learner, course=course)
    complete_all_lessons(learner, course)
    progress = progress_of(learner, course)
    assert (progress.lessons_done, progress.lessons_total) == (4, 4)
    assert (progress.activities_passed, progress.activities_total) == (0, 1)
    assert progress.percent == 80
    assert not progress.eligible_for_completion
    assert progress.next_step.kind == "activity"
    assert progress.next_step.is_final
    assert progress.next_step.label == "Pass the final assessment"
    assert progress.next_step.url.endswith("/final/")


def test_percent_is_not_100_while_anything_is_left(learner, index):
    """199 of 200 pieces of work is 99%, never rounded up to 100%."""
    course = build_course(index, title="Long", modules=4, lessons_per_module=50)
    enrollment_create(learner=learner, course=course)
    for lesson in course_lessons(course)[:-1]:
        lesson_complete(learner=learner, lesson=lesson)
    assert progress_of(learner, course).percent == 99


def test_optional_activities_do_not_count(learner, course, question):
    """A quiz not required for completion is neither in the total nor the next step."""
    module = course.get_children().first()
    build_quiz(module, questions=[question], title="Practice", required_for_completion=False)
    enrollment_create(learner=learner, course=course)
    complete_all_lessons(learner, course)
    progress = progress_of(learner, course)
    assert progress.activities_total == 0
    assert progress.percent == 100
    assert progress.next_step is None


def test_next_step_follows_the_course_order(learner, course, question):
    """After a module's lessons, the next step is that module's required quiz, before the
    next module's lessons."""
    first_module = course.get_children().first()
    build_quiz(first_module, questions=[question], title="Module check", required_for_completion=True)
    enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    assert progress_of(learner, course).next_step.page_id == lessons[0].pk
    lesson_complete(learner=learner, lesson=lessons[0])
    assert progress_of(learner, course).next_step.page_id == lessons[1].pk
    lesson_complete(learner=learner, lesson=lessons[1])
    step = progress_of(learner, course).next_step
    assert (step.kind, step.title, step.is_final) == ("activity", "Module check", False)
    assert step.label == "Pass the quiz “Module check”"
    lesson_complete(learner=learner, lesson=lessons[3])
    assert progress_of(learner, course).next_step.title == "Module check"


def test_unpublished_lessons_are_not_counted(learner, course):
    """Only live lessons are work to do."""
    lessons = course_lessons(course)
    lessons[-1].unpublish()
    enrollment_create(learner=learner, course=course)
    assert progress_of(learner, course).lessons_total == 3


def test_visitor_sees_the_work_with_nothing_done(course):
    progress = progress_for_course(course=course, enrollment=None)
    assert (progress.lessons_done, progress.lessons_total, progress.percent) == (0, 4, 0)
    assert progress.next_step.page_id == course_lessons(course)[0].pk


def test_one_of_two_required_activities_does_not_complete(learner, course, question):
    """With two required activities, passing one (and every lesson) is not completion;
    passing both is."""
    module = course.get_children().first()
    check = build_quiz(module, questions=[question], title="Module check", required_for_completion=True)
    final = build_quiz(course, questions=[question], title="Final", required_for_completion=True)
    enrollment = enrollment_create(learner=learner, course=course)
    complete_all_lessons(learner, course)
    activity_result_record(learner=learner, activity=final, status=ActivityStatus.PASSED, score_percent=90)
    enrollment.refresh_from_db()
    assert not enrollment.is_completed
    activity_result_record(learner=learner, activity=check, status=ActivityStatus.FAILED, score_percent=40)
    enrollment.refresh_from_db()
    assert not enrollment.is_completed
    activity_result_record(learner=learner, activity=check, status=ActivityStatus.PASSED, score_percent=85)
    enrollment.refresh_from_db()
    assert enrollment.is_completed


def test_a_failed_result_after_passing_is_not_completion(learner, course, question):
    """Completion needs the activity passed now: a later failed result (a lower grade under
    the quiz's grading method) with all lessons done does not complete."""
    final = build_quiz(course, questions=[question], title="Final", required_for_completion=True)
    enrollment = enrollment_create(learner=learner, course=course)
    activity_result_record(learner=learner, activity=final, status=ActivityStatus.PASSED, score_percent=90)
    activity_result_record(learner=learner, activity=final, status=ActivityStatus.FAILED, score_percent=50)
    complete_all_lessons(learner, course)
    enrollment.refresh_from_db()
    assert not enrollment.is_completed


def _course_with(index, title, *, lessons_per_module, quizzes, question):
    course = build_course(index, title=title, modules=2, lessons_per_module=lessons_per_module)
    module = course.get_children().first()
    for n in range(quizzes):
        build_quiz(module, questions=[question], title=f"{title} quiz {n}", required_for_completion=True)
    return course


def test_query_count_does_not_grow(index, question, django_assert_num_queries):
    """The batch selector costs the same queries for 1 or 6 enrollments, 2 or 20 lessons and
    1 or 4 activities."""
    small = _course_with(index, "Small", lessons_per_module=1, quizzes=1, question=question)
    large = _course_with(index, "Large", lessons_per_module=10, quizzes=4, question=question)
    learners = [UserFactory() for _ in range(6)]
    for learner in learners:
        enrollment_create(learner=learner, course=small)
        enrollment_create(learner=learner, course=large)
        lesson_complete(learner=learner, lesson=course_lessons(large)[0])

    def count(course, n):
        enrollments = list(Enrollment.objects.filter(course=course).select_related("course")[:n])
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            progress_for_enrollments(enrollments)
        return len(queries)

    progress_for_enrollments(list(Enrollment.objects.select_related("course")[:1]))  # warm site roots
    counts = {count(small, 1), count(small, 6), count(large, 1), count(large, 6)}
    assert len(counts) == 1
    assert counts.pop() <= 4
