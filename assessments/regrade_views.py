"""Wagtail admin screens for regrading: choose a quiz, its questions and attempts, read the
dry run, apply it as a job, follow the job.

Coordinators only (the grade_attempt permission), scoped to their cohorts through
``attempt_visible_to``: another cohort's quiz (no attempt in scope) or job is a 404. The
dry run is a GET and writes nothing; Apply posts a signed reference to the exact inputs of
the plan shown (quiz, revision per question, attempts, hand grades kept), so the job
regrades what the coordinator read, and a changed reference is refused with a 400.
"""

from django import forms
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Attempt, RegradeJob
from assessments.selectors import GRADE_PERMISSION
from assessments.services.regrade import (
    regrade_attempts_in_scope,
    regrade_job_create,
    regrade_job_for,
    regrade_plan,
    regrade_questions,
    regrade_quiz_for,
    regrade_quizzes,
)
from courses.admin_viewsets import no_cohort_notice

SIGNING_SALT = "assessments.regrade.plan"
# A dry run older than this must be made again before it is applied.
PLAN_MAX_AGE = 60 * 60 * 12
RECENT_JOBS = 10


def _require(request):
    if not request.user.has_perm(GRADE_PERMISSION):
        raise PermissionDenied


class RegradeForm(forms.Form):
    questions = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Questions to regrade against their current revision"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Attempts"),
        choices=[
            ("all", gettext_lazy("All attempts")),
            ("selected", gettext_lazy("Only the attempts selected")),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )
    attempts = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Selected attempts"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    keep_manual = forms.BooleanField(
        label=gettext_lazy("Keep grades given by hand (rubric)"),
        required=False,
        initial=True,
        help_text=gettext_lazy("Untick to score the grader's rubric choices again against the new revision."),
    )

    def __init__(self, *args, question_rows, attempts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].choices = [
            (row.question_id, f"{row.title} — {_('newer revision')}" if row.outdated else row.title)
            for row in question_rows
        ]
        self.fields["attempts"].choices = [
            (a.pk, _("%(learner)s, attempt %(number)d") % {"learner": a.learner, "number": a.number})
            for a in attempts
        ]

    def clean(self):
        data = super().clean()
        if data.get("scope") == "selected" and not data.get("attempts"):
            raise ValidationError(_("Select at least one attempt, or choose all attempts."))
        return data


def regrade_index(request):
    """Step 1: the quizzes with attempts in the coordinator's scope, and their recent jobs."""
    _require(request)
    no_cohort_notice(request)
    jobs = list(RegradeJob.objects.filter(created_by=request.user).select_related("quiz")[:RECENT_JOBS])
    return TemplateResponse(
        request,
        "assessments/admin/regrade_index.html",
        {"quizzes": regrade_quizzes(actor=request.user), "jobs": jobs, "page_title": _("Regrade")},
    )


def regrade_quiz(request, quiz_id: int):
    """Steps 2–4: questions and attempts (GET), the dry run (GET with the form filled), and
    Apply (POST of the signed reference)."""
    _require(request)
    quiz = regrade_quiz_for(actor=request.user, quiz_id=quiz_id)
    if quiz is None:
        raise Http404
    if request.method == "POST":
        return _apply(request, quiz)
    attempts = list(
        regrade_attempts_in_scope(quiz=quiz, actor=request.user)
        .select_related("learner")
        .order_by("learner__display_name", "learner__email", "number")
    )
    rows = regrade_questions(quiz=quiz, actor=request.user)
    bound = "questions" in request.GET
    form = RegradeForm(request.GET if bound else None, question_rows=rows, attempts=attempts)
    context = {"quiz": quiz, "form": form, "question_rows": rows, "page_title": _("Regrade")}
    if bound and form.is_valid():
        data = form.cleaned_data
        try:
            plan = regrade_plan(
                quiz=quiz,
                question_ids=data["questions"],
                attempt_ids=data["attempts"] if data["scope"] == "selected" else None,
                keep_manual=data["keep_manual"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        except Attempt.DoesNotExist:
            raise Http404 from None
        else:
            context["plan"] = plan
            inputs = {"user": request.user.pk, **plan.inputs()}
            context["reference"] = signing.dumps(inputs, salt=SIGNING_SALT)
    return TemplateResponse(request, "assessments/admin/regrade_quiz.html", context)


def _apply(request, quiz):
    try:
        inputs = signing.loads(request.POST.get("reference", ""), salt=SIGNING_SALT, max_age=PLAN_MAX_AGE)
        if inputs["user"] != request.user.pk or inputs["quiz"] != quiz.pk:
            raise signing.BadSignature
        revisions = {int(question): int(revision) for question, revision in inputs["revisions"].items()}
        attempt_ids = [int(pk) for pk in inputs["attempts"]]
        keep_manual = bool(inputs["keep_manual"])
    except signing.SignatureExpired:
        return HttpResponseBadRequest(_("This dry run is too old to apply. Make it again."))
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return HttpResponseBadRequest(_("The regrade form was changed. Make the dry run again."))
    if not attempt_ids:
        return HttpResponseBadRequest(_("There is nothing to regrade."))
    try:
        plan = regrade_plan(
            quiz=quiz,
            question_ids=list(revisions),
            attempt_ids=attempt_ids,
            keep_manual=keep_manual,
            actor=request.user,
            revision_ids=revisions,
        )
    except Attempt.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    job = regrade_job_create(plan=plan, actor=request.user)
    return redirect("regrade:job", job_id=job.pk)


def regrade_job(request, job_id: int):
    """A job's progress while it is queued or running (the page refreshes itself), then what
    it changed."""
    _require(request)
    job = regrade_job_for(user=request.user, job_id=job_id)
    if job is None:
        raise Http404
    records = list(
        job.records.select_related("attempt__learner", "question").order_by(
            "attempt__learner_id", "attempt_id", "response__position"
        )
    )
    return TemplateResponse(
        request,
        "assessments/admin/regrade_job.html",
        {"job": job, "records": records, "page_title": _("Regrade")},
    )
