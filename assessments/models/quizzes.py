"""Quizzes (editorial pages) and attempts (learner records).

A QuizPage lives in a module, or directly in a course as its final assessment. An Attempt
copies everything it needs when it starts (questions' grading data, draw, option order,
pass mark, deadline), so editing the quiz or a question never changes an attempt.
"""

from decimal import Decimal

from django.conf import settings
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
        ]

    def clean(self):
        super().clean()
        from assessments.selectors import quiz_slot_problems

        problems = quiz_slot_problems(slots=list(self.slots.all()))
        if problems:
            raise ValidationError(problems)

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
        from assessments.attempts import attempts_finalise_expired_for

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


class QuizAccommodation(models.Model):
    """Extra time a coordinator grants one learner on one quiz."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_accommodations"
    )
    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="accommodations")
    extra_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    note = models.CharField(max_length=300, blank=True)

    panels = [FieldPanel("learner"), FieldPanel("quiz"), FieldPanel("extra_minutes"), FieldPanel("note")]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "quiz"], name="assessments_accommodation_unique"),
        ]

    def __str__(self) -> str:
        return f"+{self.extra_minutes} min for {self.learner} on {self.quiz}"


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_GRADING = "needs_grading", _("Waiting for grading")
    GRADED = "graded", _("Graded")
    ABANDONED = "abandoned", _("Abandoned")


class Attempt(models.Model):
    """One learner's attempt at a quiz, with everything copied that grading needs."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts")
    quiz = models.ForeignKey(QuizPage, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=20, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text=_("Incremented by every save."))
    pass_mark = models.PositiveSmallIntegerField()
    review_level = models.CharField(max_length=20, choices=ReviewLevel.choices)
    review_after = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["quiz", "learner", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "quiz", "number"], name="assessments_attempt_number_unique"
            ),
            models.UniqueConstraint(
                fields=["learner", "quiz"],
                condition=Q(state="in_progress"),
                name="assessments_attempt_one_in_progress",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=0, percent__lte=100),
                name="assessments_attempt_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.quiz_id} by {self.learner_id}"

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    @property
    def passed(self) -> bool | None:
        if self.percent is None or self.state != AttemptState.GRADED:
            return None
        return self.percent >= self.pass_mark


class Response(models.Model):
    """One question of an attempt: the copied question and the learner's answer."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        "assessments.Question", null=True, on_delete=models.SET_NULL, related_name="responses"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    stem = models.TextField()
    grading_data = models.JSONField()
    general_feedback = models.TextField(blank=True)
    option_seed = models.CharField(max_length=32, blank=True)
    answer = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    parts = models.JSONField(default=dict, blank=True)
    feedback = models.JSONField(default=list, blank=True)
    needs_manual = models.BooleanField(default=False)
    rubric_scores = models.JSONField(default=dict, blank=True)
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    grader_comment = models.TextField(blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="assessments_response_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.position} of attempt {self.attempt_id}"

    @property
    def marks(self) -> Decimal:
        return Decimal(str(self.grading_data["marks"]))
