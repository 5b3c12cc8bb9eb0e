"""Wagtail admin views for grading and for coordinators' attempt actions.

The grading queue lists open responses (not attempts), oldest submission first; a grader
works through it one response at a time with "save and next". Grading is anonymous by
default: while a response waits, the grader sees a per-attempt pseudonym
(``grading_pseudonym``), and the learner's name once that response's grade is saved. The
choice is kept in the session (a per-grader toggle, on until turned off).

Every attempt and response is looked up through ``attempt_visible_to(as_grader=True)``:
another cohort's record is a 404, as if it did not exist.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import ModelLogEntry

from assessments.forms import GradingQueueFilterForm, GrantAttemptForm, ReopenAttemptForm
from assessments.models import AttemptGrant, AttemptState, Response
from assessments.selectors import (
    GRADE_PERMISSION,
    attempt_visible_to,
    grading_pseudonym,
    quiz_attempt_limit,
    responses_awaiting_grading,
)
from assessments.services.attempts import GradeConflict, response_grade_manual
from assessments.services.coordinator import attempt_grant_extra, attempt_reopen
from assessments.services.review import answer_text, rubric_breakdown
from courses.admin_viewsets import no_cohort_notice

QUEUE_PAGE_SIZE = 50
COMMENT_MAX_CHARS = 5000
ANONYMOUS_SESSION_KEY = "grading_anonymous"
FILTERS = ("course", "quiz", "cohort")


def _require_grader(request) -> None:
    if not request.user.has_perm(GRADE_PERMISSION):
        raise PermissionDenied


def grading_anonymous(request) -> bool:
    return request.session.get(ANONYMOUS_SESSION_KEY, True)


def _filters(request) -> GradingQueueFilterForm:
    return GradingQueueFilterForm(
        {k: request.GET[k] for k in FILTERS if request.GET.get(k)}, user=request.user
    )


def _queue(request, form: GradingQueueFilterForm):
    if not form.is_valid():
        return Response.objects.none()
    return responses_awaiting_grading(user=request.user, **form.cleaned_data)


def _filter_query(form: GradingQueueFilterForm) -> str:
    """The queue's filters as a query string, carried from the queue to each response and on
    to the next one."""
    if not form.is_valid():
        return ""
    values = {k: v.pk for k, v in form.cleaned_data.items() if v is not None}
    return f"?{urlencode(values)}" if values else ""


def grading_queue(request):
    """Open responses waiting for a grade, oldest first, filterable and paginated."""
    _require_grader(request)
    no_cohort_notice(request)
    form = _filters(request)
    page = Paginator(_queue(request, form), QUEUE_PAGE_SIZE).get_page(request.GET.get("p"))
    anonymous = grading_anonymous(request)
    query = _filter_query(form)
    rows = [
        {
            "learner": grading_pseudonym(attempt_id=r.attempt_id) if anonymous else str(r.attempt.learner),
            "quiz": r.attempt.quiz.title,
            "attempt_number": r.attempt.number,
            "position": r.position,
            "submitted_at": r.attempt.submitted_at,
            "url": reverse("grading:response", args=[r.pk]) + query,
        }
        for r in page.object_list
    ]
    return TemplateResponse(
        request,
        "assessments/admin/grading_queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "anonymous": anonymous,
            "filter_query": query,
            "page_title": _("Grading"),
        },
    )


@require_POST
def grading_anonymous_toggle(request):
    """Turn anonymous grading on or off for this grader's session."""
    _require_grader(request)
    request.session[ANONYMOUS_SESSION_KEY] = request.POST.get("anonymous") == "on"
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("grading:index")
    return redirect(back)


def seen_token_parse(value: str) -> datetime | None:
    """The ``graded_at`` token a grading form carries ("" when the response was not graded).
    Anything else was not written by the form: ValueError."""
    if not value:
        return None
    seen = datetime.fromisoformat(value)
    if seen.tzinfo is None:
        raise ValueError(value)
    return seen


def token(response) -> str:
    return response.graded_at.isoformat() if response.graded_at else ""


def _selections(response, data) -> tuple[dict[str, Decimal], list[str]]:
    """The rubric points posted for ``response`` (fields ``<prefix><criterion id>``), and
    what is wrong with them."""
    selections, errors = {}, []
    for criterion in response.grading_data.get("rubric") or []:
        value = data.get(criterion["id"], "").strip()
        if not value:
            errors.append(_("Choose points for “%(c)s”.") % {"c": criterion.get("criterion", "")})
            continue
        try:
            selections[criterion["id"]] = Decimal(value)
        except InvalidOperation:
            errors.append(
                _("The points for “%(c)s” must be a number.") % {"c": criterion.get("criterion", "")}
            )
    return selections, errors


def conflict_message(conflict: GradeConflict) -> str:
    return _(
        "%(grader)s graded this response at %(when)s while you had it open. Your grade was not saved; "
        "theirs is shown below."
    ) % {
        "grader": conflict.grader or _("another grader"),
        "when": date_format(localtime(conflict.graded_at), "DATETIME_FORMAT"),
    }


def _gradable(response) -> bool:
    return response.needs_manual and response.attempt.state in (
        AttemptState.NEEDS_GRADING,
        AttemptState.GRADED,
    )


def grading_response(request, response_id: int):
    """Grade one open response: rubric levels, written feedback, save (and next)."""
    _require_grader(request)
    response = get_object_or_404(
        Response.objects.filter(
            attempt__in=attempt_visible_to(user=request.user, as_grader=True)
        ).select_related("attempt__quiz", "attempt__learner", "grader"),
        pk=response_id,
    )
    form = _filters(request)
    query = _filter_query(form)
    errors, status, comment = [], 200, response.grader_comment
    posted = {}
    if request.method == "POST":
        if not _gradable(response):
            return HttpResponseBadRequest(_("This response is not waiting for a grade."))
        try:
            seen = seen_token_parse(request.POST.get("seen", ""))
        except ValueError:
            return HttpResponseBadRequest(_("The grading form was changed. Open the response again."))
        posted = {key: request.POST.get(f"c-{key}", "") for key in _criterion_ids(response)}
        selections, errors = _selections(response, posted)
        comment = request.POST.get("comment", "")
        if len(comment) > COMMENT_MAX_CHARS:
            errors.append(
                _("The feedback is too long (at most %(n)d characters).") % {"n": COMMENT_MAX_CHARS}
            )
        if not errors:
            try:
                response_grade_manual(
                    response_id=response.pk,
                    selections=selections,
                    grader=request.user,
                    comment=comment,
                    seen_graded_at=seen,
                )
            except GradeConflict as conflict:
                errors, status, posted = [conflict_message(conflict)], 409, {}
                response.refresh_from_db()
                comment = response.grader_comment
            except ValidationError as error:
                errors = error.messages
            else:
                name = str(response.attempt.learner)
                messages.success(request, _("Grade saved for %(learner)s.") % {"learner": name})
                if "next" in request.POST:
                    following = _queue(request, form).exclude(pk=response.pk).first()
                    if following is None:
                        messages.info(request, _("Nothing else is waiting for grading."))
                        return redirect(reverse("grading:index") + query)
                    return redirect(reverse("grading:response", args=[following.pk]) + query)
                return redirect(reverse("grading:response", args=[response.pk]) + query)
    anonymous = grading_anonymous(request) and response.graded_at is None
    chosen = posted or response.rubric_scores
    criteria = [
        {
            "id": c["id"],
            "field": f"c-{c['id']}",
            "criterion": c.get("criterion", ""),
            "points": c["points"],
            "chosen": str(chosen.get(c["id"], "")),
            "levels": [
                {"points": str(level["points"]), "descriptor": level.get("descriptor", "")}
                for level in c.get("levels") or []
            ],
        }
        for c in response.grading_data.get("rubric") or []
    ]
    return TemplateResponse(
        request,
        "assessments/admin/grading_response.html",
        {
            "response": response,
            "attempt": response.attempt,
            "learner": grading_pseudonym(attempt_id=response.attempt_id)
            if anonymous
            else response.attempt.learner,
            "gradable": _gradable(response),
            "criteria": criteria,
            "comment": comment,
            "seen": token(response),
            "errors": errors,
            "filter_query": query,
            "page_title": _("Grade a response"),
        },
        status=status,
    )


def _criterion_ids(response) -> list[str]:
    return [c["id"] for c in response.grading_data.get("rubric") or []]


def _attempt_for(request, attempt_id: int):
    _require_grader(request)
    return get_object_or_404(
        attempt_visible_to(user=request.user, as_grader=True).select_related("quiz", "learner"), pk=attempt_id
    )


def attempt_detail(request, attempt_id: int):
    """One attempt, read-only: the learner's answers, marks, feedback given, and history."""
    attempt = _attempt_for(request, attempt_id)
    responses = []
    for response in attempt.responses.select_related("grader"):
        data = response.grading_data
        responses.append(
            {
                "position": response.position,
                "stem": response.stem,
                "answer": None if response.answer is None else answer_text(data, response.answer),
                "score": response.score,
                "marks": response.marks,
                "needs_manual": response.needs_manual,
                "feedback": response.feedback or [],
                "rubric": rubric_breakdown(response),
                "grader": response.grader,
                "graded_at": response.graded_at,
                "comment": response.grader_comment,
                "grade_url": reverse("grading:response", args=[response.pk]) if response.needs_manual else "",
            }
        )
    grants = AttemptGrant.objects.filter(learner_id=attempt.learner_id, quiz_id=attempt.quiz_id).count()
    return TemplateResponse(
        request,
        "assessments/admin/attempt_detail.html",
        {
            "attempt": attempt,
            "responses": responses,
            "duration": attempt.submitted_at - attempt.started_at if attempt.submitted_at else None,
            "limit": quiz_attempt_limit(learner=attempt.learner_id, quiz=attempt.quiz),
            "grants": grants,
            "history": ModelLogEntry.objects.for_instance(attempt)
            .select_related("user")
            .order_by("-timestamp"),
            "page_title": _("Attempt"),
        },
    )


def _action(request, attempt_id: int, *, form_class, template: str, perform, done: str):
    """GET: the action's form; POST: perform it (a ValidationError re-renders with the
    message and changes nothing) and return to the attempt."""
    attempt = _attempt_for(request, attempt_id)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(attempt, form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, done)
            return redirect("attempts:detail", attempt_id=attempt.pk)
    return TemplateResponse(
        request,
        template,
        {"attempt": attempt, "form": form, "page_title": _("Attempt")},
        status=400 if request.method == "POST" else 200,
    )


def attempt_reopen_view(request, attempt_id: int):
    """Reopen an attempt a technical fault ended (docs/grading.md has the rule)."""
    return _action(
        request,
        attempt_id,
        form_class=ReopenAttemptForm,
        template="assessments/admin/attempt_reopen.html",
        perform=lambda attempt, data: attempt_reopen(
            attempt_id=attempt.pk, by=request.user, minutes=data["minutes"], reason=data["reason"]
        ),
        done=_("The attempt is open again. The learner can continue where they were."),
    )


def attempt_grant_view(request, attempt_id: int):
    """Grant the attempt's learner one more attempt at its quiz."""
    return _action(
        request,
        attempt_id,
        form_class=GrantAttemptForm,
        template="assessments/admin/attempt_grant.html",
        perform=lambda attempt, data: attempt_grant_extra(
            attempt_id=attempt.pk, by=request.user, reason=data["reason"]
        ),
        done=_("The learner has one more attempt at this quiz."),
    )
