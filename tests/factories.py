"""Factories for learner records and small page trees built per test."""

import factory
from wagtail.models import Page, Site

from content.models import HomePage
from courses.models import CourseIndexPage, CoursePage, Enrollment, LessonPage, ModulePage
from training_site.accounts.models import User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.org")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    learner = factory.SubFactory(UserFactory)


def lesson_body(*, words: str = "Listening carefully builds trust with families.", reflection: bool = True):
    body = [
        {"type": "text", "value": f"<p>{words}</p>"},
        {
            "type": "callout",
            "value": {"kind": "tip", "title": "Check policy", "text": "<p>Policies vary.</p>"},
        },
    ]
    if reflection:
        body.append({"type": "reflection", "value": {"prompt": "What did you notice?"}})
    body.append({"type": "takeaways", "value": {"items": ["Listen first."]}})
    return body


def site_tree() -> tuple[HomePage, CourseIndexPage]:
    """A home page as the default site's root, with the course catalogue beneath it."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Home", slug="test-home"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    index = home.add_child(instance=CourseIndexPage(title="Courses", slug="courses"))
    return home, index


def build_course(
    index: CourseIndexPage,
    *,
    title: str = "Conflict Basics",
    modules: int = 2,
    lessons_per_module: int = 2,
    tags: tuple[str, ...] = ("conflict resolution",),
    body_words: str = "Listening carefully builds trust with families.",
) -> CoursePage:
    course = CoursePage(title=title, summary=f"About {title}.", contact_hours=2)
    course.tags.set(tags)
    index.add_child(instance=course)
    for m in range(modules):
        module = course.add_child(instance=ModulePage(title=f"{title} module {m + 1}", summary="A module."))
        for n in range(lessons_per_module):
            module.add_child(
                instance=LessonPage(
                    title=f"{title} lesson {m + 1}.{n + 1}",
                    estimated_minutes=10,
                    body=lesson_body(words=body_words),
                )
            )
    return course


def course_lessons(course: CoursePage) -> list[LessonPage]:
    return list(LessonPage.objects.descendant_of(course).order_by("path"))


def gift_questions(count: int, *, prefix: str = "Q", marker: str = "") -> str:
    """GIFT text with ``count`` questions cycling through the objective types.

    ``marker`` is put into every feedback text, the general feedback and the accepted
    short answers (the parts a learner must not see before review), so tests can prove
    none of it reaches the browser early.
    """
    templates = [
        "::{t}::Pick the right one.{{=Right#Yes{m} ~Wrong#No{m} ~Also wrong#No{m} ####General{m}}}",
        "::{t}::Pick two.{{~%50%Good A#fb{m} ~%50%Good B#fb{m} ~%-100%Bad#fb{m}}}",
        "::{t}::The sky is blue.{{T#wrong{m}#right{m}}}",
        "::{t}::Name the practice.{{=humility{m} =%50%awareness#half{m}}}",
        "::{t}::Match them.{{=Left one -> Right one =Left two -> Right two =Left three -> Right three}}",
        "::{t}::How many hours?{{#6:0.5#exactly{m}}}",
    ]
    parts = []
    for n in range(count):
        parts.append(templates[n % len(templates)].format(t=f"{prefix} {n + 1:03d}", m=marker))
    return "\n\n".join(parts) + "\n"


def make_questions(count: int, *, bank: str = "test/bank", prefix: str = "Q", marker: str = "", tags=()):
    from assessments.models import Question
    from assessments.services.gift_import import question_bank_import_gift

    report = question_bank_import_gift(
        text=gift_questions(count, prefix=prefix, marker=marker), bank_path=bank, tags=list(tags)
    )
    return list(Question.objects.filter(pk__in=[q.pk for q in report.questions]).order_by("title"))


def build_quiz(parent, *, questions=(), draw=None, title: str = "Check your understanding", **settings):
    """A live quiz under a module or course with fixed questions and/or one random draw."""
    from assessments.models import QuizPage, QuizSlot

    slots = [QuizSlot(question=q) for q in questions]
    if draw is not None:
        bank, count, tag = draw
        slots.append(QuizSlot(bank=bank, draw_count=count, tag=tag))
    quiz = QuizPage(title=title, **settings)
    quiz.slots = slots
    parent.add_child(instance=quiz)
    return quiz


def make_coordinator(*, cohorts=None, **fields) -> User:
    """A member of the Training coordinators group who coordinates ``cohorts`` (by default
    Open enrollment, where learners who enroll themselves land)."""
    from django.contrib.auth.models import Group

    from courses.services import cohort_coordinators_set, cohort_open_enrollment_get
    from training_site.accounts.roles import COORDINATORS_GROUP

    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    for cohort in cohorts if cohorts is not None else [cohort_open_enrollment_get()]:
        cohort_coordinators_set(cohort=cohort, coordinators=[user], keep_others=True)
    return user
