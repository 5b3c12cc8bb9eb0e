import re
import secrets
from functools import wraps
from types import SimpleNamespace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from assessments.display import learner_view
from assessments.models import Attempt, AttemptState, QuizPage
from assessments.selectors import attempt_for_learner, quiz_course, quiz_final_guard
from assessments.services import attempts
from assessments.services.regrade import attempt_regraded_at
from assessments.services.review import attempt_next_steps, attempt_review
from courses.selectors import enrollment_current
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


PAGE_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _page_token(request) -> str | None:
    value = request.POST.get("page_token", "")
    return value if PAGE_TOKEN.fullmatch(value) else None


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _answer_post(view):
    """Save and submit: check sign-in before CSRF, and answer what the page can act on.

    A learner whose session expired has lost the CSRF cookie too; Django's CSRF check would
    answer a bare 403, and ``login_required`` would send the autosave's ``fetch`` to the
    login page's HTML (read as success) and a form post to a ``next`` that only takes POST
    (405). So a signed-out post changes nothing and gets JSON 401 (script) or the sign-in
    page with ``next`` at the attempt (form); a GET goes back to the attempt. Signed-in
    posts still go through the CSRF check.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, attempt_id: int):
        attempt_url = reverse("assessments:attempt", args=[attempt_id])
        if request.method != "POST":
            return redirect(attempt_url)
        if not request.user.is_authenticated:
            login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': attempt_url})}"
            if _wants_json(request):
                message = _("You have been signed out. Sign in again to save your answers.")
                data = {"error": message, "signed_out": True, "login_url": login_url}
                return JsonResponse(data, status=401)
            return redirect(login_url)
        return protected(request, attempt_id)

    return wrapper


@login_required
@require_POST
def quiz_start(request, quiz_id: int):
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    # A final with limited attempts and lessons left: a step to confirm before one is used.
    # Unlimited quizzes never need it, so they cost no look-up here.
    if quiz.max_attempts and request.POST.get("confirmed") != "yes":
        course = quiz_course(quiz)
        guard = quiz_final_guard(
            quiz=quiz, course=course, enrollment=enrollment_current(learner=request.user, course=course)
        )
        if (
            guard is not None
            and guard.confirm
            and not guard.locked
            and not Attempt.objects.filter(
                learner=request.user, quiz=quiz, state=AttemptState.IN_PROGRESS
            ).exists()
        ):
            return render(
                request, "assessments/quiz_start_confirm.html", {"quiz": quiz, "final_guard": guard}
            )
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
    login_url = f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}"
    return render(
        request,
        "assessments/attempt_take.html",
        {
            "attempt": attempt,
            "quiz": quiz,
            "items": items,
            "total": len(items),
            "remaining_seconds": remaining,
            # Each load of the page is its own writer: see attempts._is_current.
            "page_token": secrets.token_urlsafe(12),
            "login_url": login_url,
        },
    )


@_answer_post
def attempt_save(request, attempt_id: int):
    """Autosave (JSON) or the Save button (redirect). Stale sequence → 409."""
    if _too_large(request):
        return HttpResponseBadRequest(_("The request is too large."))
    wants_json = _wants_json(request)
    sequence = _sequence(request)
    if sequence is None:
        _get_attempt(request, attempt_id)  # another learner's attempt is a 404 before anything else
        return HttpResponseBadRequest(_("The form is missing its sequence number."))
    # The service reads the attempt once, locked and by its learner: another learner's
    # attempt is a 404 from there, without a second read of the attempt and its quiz here.
    attempt = SimpleNamespace(pk=attempt_id)
    try:
        attempt = attempts.attempt_save(
            attempt_id=attempt_id,
            learner=request.user,
            data=request.POST,
            sequence=sequence,
            writer=_page_token(request),
        )
    except Attempt.DoesNotExist as error:
        raise Http404 from error
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
        now = timezone.now()
        # The page shows this time as sent: the profile's zone is active (UserTimezoneMiddleware).
        return JsonResponse(
            {
                "saved": True,
                "sequence": attempt.sequence,
                "saved_at": now.isoformat(),
                "saved_at_display": date_format(timezone.localtime(now), "TIME_FORMAT"),
            }
        )
    messages.success(request, _("Your answers have been saved."))
    return redirect("assessments:attempt", attempt_id=attempt.pk)


@_answer_post
def attempt_submit(request, attempt_id: int):
    if _too_large(request):
        return HttpResponseBadRequest(_("The request is too large."))
    attempt = SimpleNamespace(pk=attempt_id)  # read by the service only: see attempt_save
    try:
        attempt = attempts.attempt_submit(
            attempt_id=attempt_id,
            learner=request.user,
            data=request.POST,
            sequence=_sequence(request),
            writer=_page_token(request),
        )
    except Attempt.DoesNotExist as error:
        raise Http404 from error
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
    now = timezone.now()
    review = attempt_review(attempt=attempt, now=now)
    # An attempt the clock submitted is stamped with its deadline: tell the learner what went in.
    timed_out = None
    if attempt.deadline and attempt.submitted_at == attempt.deadline:
        responses = list(attempt.responses.all())
        timed_out = {
            "deadline": attempt.deadline,
            "answered": sum(1 for r in responses if r.answer is not None),
            "total": len(responses),
        }
    return render(
        request,
        "assessments/attempt_result.html",
        {
            "quiz": attempt.quiz,
            "timed_out": timed_out,
            "next_steps": attempt_next_steps(attempt=attempt, now=now),
            "regraded_at": attempt_regraded_at(attempt=attempt),
            **review,
        },
    )
