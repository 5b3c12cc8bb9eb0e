"""The weekly coordinator digest (content/notifications.py): scoped to the coordinator's
cohorts and those below, once a week from Monday 8:00 their time, nothing when there is
nothing to say."""

import datetime

import pytest
from django.core import mail
from django.http import QueryDict

from assessments.models import Question, RubricCriterion
from assessments.services import attempts
from assessments.services.gift_import import question_bank_import_gift
from courses.models import Cohort, ModulePage
from courses.services import cohort_course_assign, cohort_member_add, enrollment_create
from tests.certificates.factories import complete_course
from tests.factories import UserFactory, build_course, build_quiz, make_coordinator
from training_site.accounts.models import Notice, NoticeState, NotificationPreference

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2027, 3, 22)
DUE = datetime.date(2027, 3, 15)


def digests_to(user) -> list:
    return [m for m in mail.outbox if user.email in m.to and "Your cohorts this week" in m.subject]


@pytest.fixture
def world(index, clock, django_capture_on_commit_callbacks):
    """District > School, and a cohort beside them; a learner in each; everyone completed
    one course on Saturday and is overdue in another, due the Monday before."""
    district = Cohort.objects.create(name="District")
    school = Cohort.objects.create(name="School <i>North</i>", parent=district)
    beside = Cohort.objects.create(name="Beside")
    people = {
        "school": UserFactory(display_name="Ada School"),
        "beside": UserFactory(display_name="Ben Beside"),
        "district": UserFactory(display_name="Dee District"),
    }
    cohorts = {"school": school, "beside": beside, "district": district}
    for name, learner in people.items():
        cohort_member_add(cohort=cohorts[name], learner=learner)
    done = build_course(index, title="Done course", modules=1, lessons_per_module=1)
    late = build_course(index, title="Late course", modules=1, lessons_per_module=1)
    clock.at(MONDAY - datetime.timedelta(days=2), 10)
    with django_capture_on_commit_callbacks(execute=True):
        for cohort in cohorts.values():
            cohort_course_assign(cohort=cohort, course=late, due_on=DUE)
    for learner in people.values():
        complete_course(learner, done)
    coordinators = {
        "district": make_coordinator(cohorts=[district], display_name="District lead"),
        "school": make_coordinator(cohorts=[school], display_name="School lead"),
        "beside": make_coordinator(cohorts=[beside], display_name="Beside lead"),
    }
    mail.outbox.clear()
    return {"learners": people, "coordinators": coordinators, "cohorts": cohorts, "index": index}


def essay_submitted(index, learner) -> None:
    course = build_course(index, title="Essays", modules=1, lessons_per_module=1)
    question_bank_import_gift(text="::Essay::Tell us about a hard meeting.{}", bank_path="digest")
    essay = Question.objects.get(title="Essay")
    RubricCriterion.objects.create(question=essay, criterion="Clear", points=1)
    essay.save_revision().publish()
    quiz = build_quiz(ModulePage.objects.child_of(course).first(), questions=[essay])
    enrollment_create(learner=learner, course=course)
    attempt = attempts.quiz_start(learner=learner, quiz=quiz)
    data = QueryDict(mutable=True)
    data["q1"] = "We listened first."
    attempts.attempt_submit(attempt_id=attempt.pk, learner=learner, data=data)


def test_each_coordinator_sees_their_cohorts_and_those_below_never_up_or_sideways(world, clock, run):
    essay_submitted(world["index"], world["learners"]["school"])
    mail.outbox.clear()
    clock.at(MONDAY, 9)
    run()
    text = {name: digests_to(user)[0].body for name, user in world["coordinators"].items()}
    # The school's coordinator: the school only, not the district above nor the cohort beside.
    assert "Ada School" in text["school"]
    assert "Dee District" not in text["school"] and "Ben Beside" not in text["school"]
    assert "1 attempt (1 open answers)" in text["school"]
    # The district's coordinator sees down into the school.
    assert "Ada School" in text["district"] and "Dee District" in text["district"]
    assert "Ben Beside" not in text["district"]
    assert "1 attempt (1 open answers)" in text["district"]
    # Beside: only its own learner, and no essay of another cohort.
    assert "Ben Beside" in text["beside"]
    assert "Ada School" not in text["beside"] and "Dee District" not in text["beside"]
    assert "none." in text["beside"]
    # Learners get no digest.
    assert all(digests_to(learner) == [] for learner in world["learners"].values())


def test_the_digest_lists_completions_overdue_learners_and_what_waits(world, clock, run):
    clock.at(MONDAY, 9)
    run()
    (email,) = digests_to(world["coordinators"]["district"])
    body = email.body
    assert "2 completions in the last 7 days" in body
    assert "Ada School completed “Done course” on March 20, 2027" in body
    assert "2 overdue courses" in body
    assert "Dee District (District): “Late course” was due on March 15, 2027" in body
    html = email.alternatives[0][0]
    assert "School &lt;i&gt;North&lt;/i&gt;" in html and "<i>North</i>" not in html


def test_a_completed_course_is_not_overdue_and_old_completions_are_not_new(world, index, clock, run):
    late = world["cohorts"]["school"].course_assignments.get().course
    clock.at(MONDAY + datetime.timedelta(days=3), 10)  # Thursday: Saturday's completions still count
    complete_course(world["learners"]["school"], late)
    clock.at(MONDAY + datetime.timedelta(days=7), 9)  # the Monday after: Saturday is 9 days ago
    run()
    (email,) = digests_to(world["coordinators"]["school"])
    assert "1 completion in the last 7 days" in email.body
    assert "“Late course”" in email.body and "Done course" not in email.body
    assert "0 overdue courses" in email.body


def test_once_a_week_from_monday_eight_on_the_coordinators_clock(world, clock, run):
    coordinator = world["coordinators"]["school"]
    clock.at(MONDAY, 7, 59)
    run()
    assert digests_to(coordinator) == []
    for offset in range(0, 7):
        for hour in (8, 13, 22):
            clock.at(MONDAY + datetime.timedelta(days=offset), hour)
            run()
    assert len(digests_to(coordinator)) == 1
    clock.at(MONDAY + datetime.timedelta(days=7), 9)
    run()
    assert len(digests_to(coordinator)) == 2


def test_nothing_is_sent_when_there_is_nothing_to_say(clock, run):
    empty = make_coordinator(cohorts=[Cohort.objects.create(name="Empty")])
    clock.at(MONDAY, 9)
    run()
    assert digests_to(empty) == []
    notice = Notice.objects.get(recipient=empty, notification="coordinator_digest")
    assert (notice.state, notice.skipped_reason) == (NoticeState.SKIPPED, "nothing to tell")


def test_a_coordinator_may_turn_it_off(world, clock, run, client):
    coordinator = world["coordinators"]["school"]
    client.force_login(coordinator)
    assert "Weekly summary of your cohorts" in client.get("/accounts/profile/").content.decode()
    NotificationPreference.objects.create(user=coordinator, notification="coordinator_digest", enabled=False)
    clock.at(MONDAY, 9)
    run()
    assert digests_to(coordinator) == []
    assert len(digests_to(world["coordinators"]["district"])) == 1


def test_learners_are_not_offered_the_digest(learner_client):
    assert "Weekly summary of your cohorts" not in learner_client.get("/accounts/profile/").content.decode()
