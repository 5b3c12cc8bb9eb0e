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
    """200 of 201 pieces of work (every lesson done, the required final left) is 99%, never
    rounded up to 100%. Progress rows are written directly rather than through 200 requests."""
    from courses.models import LessonProgress

    course = build_course(index, title="Long", modules=2, lessons_per_module=100)
    final = build_quiz(
        course, questions=make_questions(1, bank="long/bank"), title="Final", required_for_completion=True
    )
    enrollment = enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    LessonProgress.objects.bulk_create(
        LessonProgress(enrollment=enrollment, lesson=lesson) for lesson in lessons[:-1]
    )
    assert progress_of(learner, course).percent == 99
    LessonProgress.objects.create(enrollment=enrollment, lesson=lessons[-1])
    progress = progress_of(learner, course)
    assert (progress.percent, progress.next_step.page_id) == (99, final.pk)  # 200 of 201


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


# --- the value itself and the batch (found by `make mutation`) -----------------------------


def _progress(**overrides):
    from courses.progress import CourseProgress

    values = {
        "course_id": 1,
        "enrollment_id": 1,
        "is_completed": False,
        "lessons_done": 0,
        "lessons_total": 4,
        "activities_passed": 0,
        "activities_total": 0,
        "completed_lesson_ids": frozenset(),
        "activity_results": {},
        "next_step": None,
        "first_step": None,
    }
    return CourseProgress(**(values | overrides))


def test_percent_is_floored_share_of_all_work():
    """Lessons and required activities count alike, floored: 2 of 3 is 66%, 1 of 3 is 33%,
    nothing to do is 0% (not a division by zero), everything is 100%."""
    assert _progress(lessons_done=1, lessons_total=2, activities_passed=1, activities_total=1).percent == 66
    assert _progress(lessons_done=0, lessons_total=2, activities_passed=1, activities_total=1).percent == 33
    assert _progress(lessons_done=1, lessons_total=1, activities_passed=0, activities_total=2).percent == 33
    assert _progress(lessons_done=0, lessons_total=0).percent == 0
    assert _progress(lessons_done=3, lessons_total=3, activities_passed=1, activities_total=1).percent == 100


def test_eligible_needs_every_lesson_and_every_required_activity():
    """Eligible only with every lesson done and every required activity passed; one short on
    either side is not eligible, and a course without lessons never is."""
    assert _progress(
        lessons_done=4, lessons_total=4, activities_passed=2, activities_total=2
    ).eligible_for_completion
    assert _progress(lessons_done=1, lessons_total=1).eligible_for_completion
    assert not _progress(
        lessons_done=4, lessons_total=4, activities_passed=1, activities_total=2
    ).eligible_for_completion
    assert not _progress(
        lessons_done=3, lessons_total=4, activities_passed=2, activities_total=2
    ).eligible_for_completion
    assert not _progress(lessons_done=0, lessons_total=0).eligible_for_completion
    assert not _progress(
        lessons_done=0, lessons_total=0, activities_passed=1, activities_total=1
    ).eligible_for_completion


def test_started_and_resume_step():
    """A learner has started with a lesson done or any activity result; "Resume" leads to the
    next step, or to the first lesson when nothing is left."""
    from courses.progress import LESSON, Step

    first = Step(LESSON, 1, "0001", "One", "/one/")
    second = Step(LESSON, 2, "0002", "Two", "/two/")
    assert not _progress().started
    assert _progress(lessons_done=1).started
    assert _progress(activity_results={9: ("failed", None)}).started
    assert _progress(next_step=second, first_step=first).resume_step == second
    assert _progress(next_step=None, first_step=first).resume_step == first


def test_activity_status_reports_each_result(learner, course, question):
    """The status of every activity with a result, required or not, and "not_started" for the
    others; an optional quiz's result is reported but does not count as work."""
    module = course.get_children().first()
    required = build_quiz(module, questions=[question], title="Required", required_for_completion=True)
    optional = build_quiz(module, questions=[question], title="Optional", required_for_completion=False)
    enrollment_create(learner=learner, course=course)
    activity_result_record(learner=learner, activity=required, status=ActivityStatus.FAILED, score_percent=40)
    activity_result_record(learner=learner, activity=optional, status=ActivityStatus.PASSED, score_percent=95)
    progress = progress_of(learner, course)
    assert progress.activity_status(required.pk) == "failed"
    assert progress.activity_status(optional.pk) == "passed"
    assert progress.activity_status(course.pk) == "not_started"
    assert progress.activity_results[optional.pk] == ("passed", 95)
    assert (progress.activities_passed, progress.activities_total) == (0, 1)
    assert progress.started


def test_batch_keeps_enrollments_and_courses_apart(index, question):
    """Several learners in several courses in one call: each enrollment gets its own lessons,
    results and course's work, and a final directly under a course is the final while a
    module quiz is not."""
    first = build_course(index, title="First", modules=1, lessons_per_module=2)
    second = build_course(index, title="Second", modules=2, lessons_per_module=3)
    final = build_quiz(second, questions=[question], title="Final", required_for_completion=True)
    build_quiz(
        second.get_children().first(), questions=[question], title="Check", required_for_completion=True
    )
    ann, bob = UserFactory(), UserFactory()
    ann_first = enrollment_create(learner=ann, course=first)
    ann_second = enrollment_create(learner=ann, course=second)
    bob_second = enrollment_create(learner=bob, course=second)
    lesson_complete(learner=ann, lesson=course_lessons(first)[0])
    for lesson in course_lessons(second)[:2]:
        lesson_complete(learner=bob, lesson=lesson)
    activity_result_record(learner=bob, activity=final, status=ActivityStatus.PASSED, score_percent=80)
    enrollments = list(Enrollment.objects.select_related("course").order_by("pk"))
    progress = progress_for_enrollments(enrollments)
    assert set(progress) == {ann_first.pk, ann_second.pk, bob_second.pk}
    assert (progress[ann_first.pk].course_id, progress[ann_first.pk].enrollment_id) == (
        first.pk,
        ann_first.pk,
    )
    assert (progress[ann_first.pk].lessons_done, progress[ann_first.pk].lessons_total) == (1, 2)
    assert progress[ann_first.pk].activities_total == 0
    assert progress[ann_first.pk].completed_lesson_ids == {course_lessons(first)[0].pk}
    assert (progress[ann_second.pk].lessons_done, progress[ann_second.pk].lessons_total) == (0, 6)
    assert (progress[ann_second.pk].activities_passed, progress[ann_second.pk].activities_total) == (0, 2)
    assert not progress[ann_second.pk].started
    bob_progress = progress[bob_second.pk]
    assert (bob_progress.lessons_done, bob_progress.activities_passed) == (2, 1)
    assert bob_progress.completed_lesson_ids == {lesson.pk for lesson in course_lessons(second)[:2]}
    assert dict(bob_progress.activity_results) == {final.pk: ("passed", 80)}
    steps = {step.title: step for step in _steps(bob_progress, second)}
    assert steps["Final"].is_final and not steps["Check"].is_final
    assert bob_progress.next_step.page_id == course_lessons(second)[2].pk
    assert bob_progress.first_step.page_id == course_lessons(second)[0].pk
    assert progress_for_enrollments([]) == {}


def _steps(progress, course):
    from courses.progress import _course_work

    work = _course_work([course])[course.pk]
    assert work.course_id == course.pk
    return work.steps


def test_steps_are_in_tree_order_with_their_pages(learner, course, question):
    """A course's steps are its lessons and required activities in tree order, each with its
    page's id, title and URL path; the first step is the first lesson."""
    module = course.get_children().first()
    check = build_quiz(module, questions=[question], title="Module check", required_for_completion=True)
    lessons = course_lessons(course)
    steps = _steps(progress_for_course(course=course, enrollment=None), course)
    assert [(step.kind, step.page_id) for step in steps] == [
        ("lesson", lessons[0].pk),
        ("lesson", lessons[1].pk),
        ("activity", check.pk),
        ("lesson", lessons[2].pk),
        ("lesson", lessons[3].pk),
    ]
    assert (steps[0].title, steps[0].url_path, steps[0].path) == (
        lessons[0].title,
        lessons[0].url_path,
        lessons[0].path,
    )
    assert (steps[2].title, steps[2].url_path) == ("Module check", check.specific.url_path)
    assert steps[0].label == f"Continue with “{lessons[0].title}”"


def test_enrolled_progress_for_course_is_the_learners(learner, course):
    """progress_for_course with an enrollment reads that enrollment's progress; a visitor's has
    no enrollment and is not completed."""
    enrollment = enrollment_create(learner=learner, course=course)
    lesson_complete(learner=learner, lesson=course_lessons(course)[0])
    progress = progress_for_course(course=course, enrollment=enrollment)
    assert (progress.enrollment_id, progress.lessons_done, progress.is_completed) == (enrollment.pk, 1, False)
    visitor = progress_for_course(course=course, enrollment=None)
    assert (visitor.enrollment_id, visitor.lessons_done, visitor.is_completed) == (None, 0, False)
    complete_all_lessons(learner, course)
    enrollment.refresh_from_db()
    done = progress_for_course(course=course, enrollment=enrollment)
    assert done.is_completed and done.next_step is None
    assert done.resume_step.page_id == course_lessons(course)[0].pk


def test_progress_on_an_unpublished_lesson_does_not_count(learner, course):
    """A lesson done and later unpublished is neither done nor in the total."""
    enrollment_create(learner=learner, course=course)
    lessons = course_lessons(course)
    lesson_complete(learner=learner, lesson=lessons[0])
    lesson_complete(learner=learner, lesson=lessons[3])
    lessons[3].unpublish()
    progress = progress_of(learner, course)
    assert (progress.lessons_done, progress.lessons_total) == (1, 3)
    assert progress.completed_lesson_ids == {lessons[0].pk}
