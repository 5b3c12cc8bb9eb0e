"""Editorial content: the course tree authored in Wagtail.

CourseIndexPage > CoursePage > ModulePage > LessonPage. Learner records point at these
pages but never live inside them (see records.py).
"""

import functools
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page, get_page_models
from wagtail.search import index

from courses.blocks import LessonBodyBlock


class CourseActivity(models.Model):
    """A page inside a course that a learner completes by passing it (e.g. a quiz).

    Apps above courses subclass this; courses finds them without importing those apps, so
    the outline and the completion rule work for any kind of activity.
    """

    required_for_completion = models.BooleanField(
        default=False, help_text=_("Learners must pass this to complete the course.")
    )

    activity_label = _("Activity")

    class Meta:
        abstract = True


def course_activity_models() -> list[type[Page]]:
    return [model for model in get_page_models() if issubclass(model, CourseActivity)]


class ActivityParentMixin:
    """Allows course activities (declared in apps above courses) as children, besides
    ``subpage_types``, without naming those apps here."""

    @classmethod
    def clean_subpage_models(cls):
        return _subpage_models_with_activities(cls, tuple(super().clean_subpage_models()))


@functools.cache
def _subpage_models_with_activities(cls, declared: tuple) -> list:
    # Cached so every call returns the same list, as Wagtail's own implementation does.
    return [*declared, *(model for model in course_activity_models() if model not in declared)]


class EnrollmentGateMixin:
    """For course content only enrolled learners may open (lessons, quizzes).

    Anonymous visitors are sent to log in; signed-in learners who are not enrolled go to the
    course page with ``enrollment_required_message``. Otherwise the enrollment is kept on
    ``request.course_enrollment`` for ``get_context``, ``enrolled_visit`` runs, and the page
    is served. Previews do not pass through ``serve`` and need no enrollment.
    """

    enrollment_required_message = _("Enroll in this course to continue.")

    @property
    def gated_course(self) -> "CoursePage":
        raise NotImplementedError

    def serve(self, request, *args, **kwargs):
        from courses.selectors import enrollment_current

        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        course = self.gated_course
        enrollment = enrollment_current(learner=request.user, course=course)
        if enrollment is None:
            messages.info(request, str(self.enrollment_required_message))
            return redirect(course.get_url(request=request))
        request.course_enrollment = enrollment
        self.enrolled_visit(request, enrollment)
        return super().serve(request, *args, **kwargs)

    def enrolled_visit(self, request, enrollment) -> None:
        """Work to do when an enrolled learner opens the page (e.g. close expired attempts)."""


class CourseIndexPage(Page):
    """The public catalogue: lists live courses, filterable by competency tag."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import course_catalogue

        context = super().get_context(request, *args, **kwargs)
        tag = request.GET.get("tag", "").strip()
        context.update(course_catalogue(index_page=self, tag=tag, user=request.user))
        return context


class CourseTag(TaggedItemBase):
    content_object = ParentalKey("courses.CoursePage", on_delete=models.CASCADE, related_name="tagged_items")


class CourseLevel(models.TextChoices):
    FOUNDATION = "foundation", _("Foundation")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class CoursePage(ActivityParentMixin, Page):
    """A course: its public description and the modules beneath it."""

    summary = models.TextField(help_text=_("One to three sentences shown in the catalogue."))
    outcomes = StreamField(
        [("outcome", blocks.CharBlock(max_length=300, label=_("Learning outcome")))],
        blank=True,
        help_text=_("What a learner will be able to do after the course."),
    )
    contact_hours = models.DecimalField(
        _("estimated contact hours"), max_digits=5, decimal_places=1, default=1
    )
    level = models.CharField(max_length=20, choices=CourseLevel.choices, default=CourseLevel.FOUNDATION)
    tags = ClusterTaggableManager(through=CourseTag, blank=True, verbose_name=_("competency tags"))
    prerequisites = ParentalManyToManyField(
        "courses.CoursePage",
        blank=True,
        related_name="required_by",
        help_text=_("Courses a learner must complete before enrolling."),
    )
    recommended = ParentalManyToManyField(
        "courses.CoursePage",
        blank=True,
        related_name="recommended_by",
        help_text=_("Courses suggested as a place to start (not required)."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    certificate_validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("How long a completion certificate stays valid. Leave blank if it does not expire."),
    )
    final_requires_all_lessons = models.BooleanField(
        _("final opens when all lessons are complete"),
        default=False,
        help_text=_(
            "Learners cannot start the course's final assessment until they have completed every lesson."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("outcomes"),
        MultiFieldPanel(
            [
                FieldPanel("contact_hours"),
                FieldPanel("level"),
                FieldPanel("tags"),
                FieldPanel("prerequisites"),
                FieldPanel("recommended"),
                FieldPanel("certificate_validity_months"),
                FieldPanel("final_requires_all_lessons"),
            ],
            heading=_("Course details"),
        ),
        FieldPanel("image"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("outcomes"),
        index.RelatedFields("tags", [index.SearchField("name")]),
        index.FilterField("level"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    class Meta:
        verbose_name = _("course")

    def get_context(self, request, *args, **kwargs):
        from courses.outline import course_outline_html
        from courses.selectors import course_outline_for_learner

        context = super().get_context(request, *args, **kwargs)
        context.update(course_outline_for_learner(course=self, user=request.user))
        context["outline_html"] = course_outline_html(
            modules=context["modules"],
            course_activities=context["course_activities"],
            enrolled=context["enrollment"] is not None,
        )
        return context


class ModulePage(ActivityParentMixin, Page):
    """A group of lessons (and later quizzes) within a course."""

    summary = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("summary")]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("module")

    def serve(self, request, *args, **kwargs):
        # A module has no page of its own: its outline is shown on the course page.
        course = self.get_parent()
        if course is None:
            raise Http404
        return redirect(course.get_url(request=request) + f"#module-{self.pk}")


class LessonTag(TaggedItemBase):
    content_object = ParentalKey("courses.LessonPage", on_delete=models.CASCADE, related_name="tagged_items")


class LessonPage(EnrollmentGateMixin, Page):
    """A lesson: the learning material itself. Readable by enrolled learners only."""

    estimated_minutes = models.PositiveIntegerField(default=15)
    tags = ClusterTaggableManager(through=LessonTag, blank=True)
    body = StreamField(LessonBodyBlock())

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("estimated_minutes"), FieldPanel("tags")], heading=_("Details")),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("body"),
        index.RelatedFields("tags", [index.SearchField("name")]),
    ]
    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    enrollment_required_message = _("Enroll in this course to read its lessons.")

    class Meta:
        verbose_name = _("lesson")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import lesson_context_for_learner

        context = super().get_context(request, *args, **kwargs)
        context.update(
            lesson_context_for_learner(
                lesson=self, user=request.user, enrollment=getattr(request, "course_enrollment", None)
            )
        )
        return context

    @property
    def gated_course(self) -> "CoursePage":
        return self.course

    @cached_property
    def course(self) -> "CoursePage":
        """The lesson's course, found from the tree path in one query."""
        return CoursePage.objects.get(path=self.path[: -2 * self.steplen])

    @property
    def reflection_block_ids(self) -> list[str]:
        return [block.id for block in self.body if block.block_type == "reflection"]
