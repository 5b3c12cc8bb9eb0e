from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.display import learner_view
from assessments.models import Attempt, AttemptState, QuizPage
from assessments.selectors import attempt_for_learner
from assessments.services import attempts
from assessments.services.review import attempt_review
from training_site.input_cleaning import ascii_int

MAX_BODY_BYTES = 1_000_000


def _get_attempt(request, attempt_id: int) -> Attempt:
    try:
        return attempt_for_learner(learner=request.user, attempt_id=attempt_id)
    except Attempt.DoesNotExist as error:
        raise Http404 from error


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
    except ValueError:
        return True


def _sequence(request) -> int | None:
    return ascii_int(request.POST.get("sequence"))


@login_required
@require_POST
def quiz_start(request, quiz_id: int):
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    try:
        attempt = attempts.quiz_start(learner=request.user, quiz=quiz)
    except attempts.NotEnrolled as error:
        raise Http404 from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(quiz.get_url(request=request))
    return redirect("assessments:attempt", attempt_id=attempt.pk)


@login_required
def attempt_take(request, attempt_id: int):
    attempt = _get_attempt(request, attempt_id)
    attempt = attempts.attempt_finalise_if_expired(attempt=attempt)
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect("assessments:result", attempt_id=attempt.pk)
    quiz = attempt.quiz
    shuffle = quiz.shuffle_options
    items = [
        {
            "number": index,
            "name": attempts.field_name(response),
            "response": response.answer,
            "view": learner_view(
                grading_data=response.grading_data,
                stem=response.stem,
                seed=response.option_seed,
                shuffle=shuffle,
            ),
        }
        for index, response in enumerate(attempt.responses.all(), start=1)
    ]
    remaining = None
    if attempt.deadline:
        remaining = max(0, int((attempt.deadline - timezone.now()).total_seconds()))
    return render(
        request,
        "assessments/attempt_take.html",
        {"attempt": attempt, "quiz": quiz, "items": items, "remaining_seconds": remaining},
    )


@login_required
@require_POST
def attempt_save(request, attempt_id: int):
    """Autosave (JSON) or the Save button (redirect). Stale sequence → 409."""
    if _too_large(request):
        return HttpResponseBadRequest(_("The request is too large."))
    attempt = _get_attempt(request, attempt_id)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    sequence = _sequence(request)
    if sequence is None:
        return HttpResponseBadRequest(_("The form is missing its sequence number."))
    try:
        attempt = attempts.attempt_save(
            attempt_id=attempt.pk, learner=request.user, data=request.POST, sequence=sequence
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    except attempts.StaleSequence:
        message = _(
            "These answers are out of date: the quiz was saved from another window. Reload to continue."
        )
        if wants_json:
            return JsonResponse({"error": message}, status=409)
        return render(
            request, "assessments/attempt_conflict.html", {"attempt": attempt, "message": message}, status=409
        )
    except attempts.AttemptClosed:
        if wants_json:
            return JsonResponse({"error": _("This attempt is closed."), "closed": True}, status=409)
        return redirect("assessments:result", attempt_id=attempt.pk)
    if wants_json:
        return JsonResponse({"sequence": attempt.sequence, "saved_at": timezone.now().isoformat()})
    messages.success(request, _("Your answers have been saved."))
    return redirect("assessments:attempt", attempt_id=attempt.pk)


@login_required
@require_POST
def attempt_submit(request, attempt_id: int):
    if _too_large(request):
        return HttpResponseBadRequest(_("The request is too large."))
    attempt = _get_attempt(request, attempt_id)
    try:
        attempt = attempts.attempt_submit(
            attempt_id=attempt.pk, learner=request.user, data=request.POST, sequence=_sequence(request)
        )
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(error.messages))
    except attempts.StaleSequence:
        message = _(
            "These answers are out of date: the quiz was saved from another window. Reload to continue."
        )
        return render(
            request, "assessments/attempt_conflict.html", {"attempt": attempt, "message": message}, status=409
        )
    return redirect("assessments:result", attempt_id=attempt.pk)


@login_required
def attempt_result(request, attempt_id: int):
    attempt = _get_attempt(request, attempt_id)
    attempt = attempts.attempt_finalise_if_expired(attempt=attempt)
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect("assessments:attempt", attempt_id=attempt.pk)
    # The template gets the review only, not the attempt: what it may show is decided there.
    review = attempt_review(attempt=attempt, now=timezone.now())
    return render(request, "assessments/attempt_result.html", {"quiz": attempt.quiz, **review})
