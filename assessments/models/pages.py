"""Quizzes: editorial pages edited by coordinators (learner records are in records.py).

A QuizPage lives in a module, or directly in a course as its final assessment.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from courses.models import CourseActivity, EnrollmentGateMixin


class GradingMethod(models.TextChoices):
    HIGHEST = "highest", _("Highest grade")
    AVERAGE = "average", _("Average grade")
    FIRST = "first", _("First attempt")
    LAST = "last", _("Last attempt")


class ReviewLevel(models.TextChoices):
    SCORE_ONLY = "score_only", _("Score only")
    RESPONSES = "responses", _("Score and which answers were right")
    CORRECT_ANSWERS = "correct_answers", _("Score, right/wrong, correct answers and feedback")


class QuizPage(EnrollmentGateMixin, CourseActivity, Page):
    """A quiz: fixed questions and/or random draws from banks, graded on the server."""

    intro = RichTextField(blank=True, features=["bold", "italic", "link", "ul", "ol"])
    pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text=_("Percent needed to pass.")
    )
    max_attempts = models.PositiveSmallIntegerField(default=0, help_text=_("0 means unlimited."))
    time_limit_minutes = models.PositiveIntegerField(null=True, blank=True)
    grading_method = models.CharField(
        max_length=10, choices=GradingMethod.choices, default=GradingMethod.HIGHEST
    )
    shuffle_questions = models.BooleanField(default=False)
    shuffle_options = models.BooleanField(default=True)
    open_at = models.DateTimeField(null=True, blank=True)
    close_at = models.DateTimeField(null=True, blank=True)
    review_level = models.CharField(
        max_length=20, choices=ReviewLevel.choices, default=ReviewLevel.CORRECT_ANSWERS
    )
    review_after_close = models.BooleanField(
        default=False,
        help_text=_("Show more than the score only after the close date."),
    )
    start_window_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Staggered start: spread learners' start times over this many minutes after the open "
            "date, so a whole class does not start at the same second. Each learner is shown when "
            "they may begin; their time limit counts from their own start. Blank: off."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        InlinePanel("slots", heading=_("Questions"), label=_("Question or random draw"), min_num=1),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("pass_mark"), FieldPanel("max_attempts"), FieldPanel("grading_method")]
                ),
                FieldRowPanel(
                    [FieldPanel("time_limit_minutes"), FieldPanel("open_at"), FieldPanel("close_at")]
                ),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldPanel("start_window_minutes"),
                FieldRowPanel([FieldPanel("review_level"), FieldPanel("review_after_close")]),
                FieldPanel("required_for_completion"),
            ],
            heading=_("Settings"),
        ),
    ]
    parent_page_types = ["courses.ModulePage", "courses.CoursePage"]
    subpage_types: list[str] = []

    activity_label = _("Quiz")

    class Meta:
        verbose_name = _("quiz")
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="assessments_quiz_pass_mark_range"),
            models.CheckConstraint(
                condition=Q(open_at__isnull=True)
                | Q(close_at__isnull=True)
                | Q(open_at__lt=models.F("close_at")),
                name="assessments_quiz_open_before_close",
            ),
            # Start times are spread from the open date of a timed quiz.
            models.CheckConstraint(
                condition=Q(start_window_minutes__isnull=True)
                | Q(open_at__isnull=False, time_limit_minutes__isnull=False),
                name="assessments_quiz_start_window_needs_open_and_limit",
            ),
        ]

    def clean(self):
        super().clean()
        from assessments.selectors import quiz_slot_problems

        problems = quiz_slot_problems(slots=list(self.slots.all()))
        if problems:
            raise ValidationError(problems)
        if self.start_window_minutes:
            if not self.open_at or not self.time_limit_minutes:
                raise ValidationError(
                    {"start_window_minutes": _("A staggered start needs an open date and a time limit.")}
                )
            # The last learner to begin must still get the whole time limit before the close.
            needed = timedelta(minutes=self.start_window_minutes + self.time_limit_minutes)
            if self.close_at and self.close_at - self.open_at < needed:
                raise ValidationError(
                    {
                        "start_window_minutes": _(
                            "The quiz closes too soon: leave at least the start window plus the "
                            "time limit between the open and close dates."
                        )
                    }
                )

    enrollment_required_message = _("Enroll in this course to take its quizzes.")

    def get_context(self, request, *args, **kwargs):
        from assessments.selectors import quiz_overview_for_learner

        context = super().get_context(request, *args, **kwargs)
        context.update(quiz_overview_for_learner(quiz=self, user=request.user))
        return context

    @property
    def gated_course(self):
        from assessments.selectors import quiz_course

        return quiz_course(self)

    def enrolled_visit(self, request, enrollment) -> None:
        # Periodic work done when read: an expired attempt is finalised when the quiz is opened.
        from assessments.services.attempts import attempts_finalise_expired_for

        attempts_finalise_expired_for(learner=request.user, quiz=self)


class QuizSlot(Orderable):
    """One fixed question, or a random draw of N live questions from a bank (optionally
    only those with a tag)."""

    quiz = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="slots")
    question = models.ForeignKey(
        "assessments.Question", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey(
        "assessments.QuestionBank", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    draw_count = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Questions to draw."))
    tag = models.CharField(max_length=100, blank=True, help_text=_("Only draw questions with this tag."))
    marks = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Marks for each question of this slot. Blank: the question's own marks."),
    )

    panels = [
        FieldPanel("question"),
        FieldRowPanel([FieldPanel("bank"), FieldPanel("draw_count"), FieldPanel("tag")]),
        FieldPanel("marks"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(bank__isnull=True))
                | (Q(question__isnull=True) & Q(bank__isnull=False) & Q(draw_count__gt=0)),
                name="assessments_slot_fixed_or_draw",
            ),
        ]

    @property
    def is_draw(self) -> bool:
        return self.bank_id is not None
