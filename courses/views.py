from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from courses import invitations, services
from courses.models import CoursePage, Enrollment, LessonPage, course_activity_models
from courses.selectors import course_for_lesson, enrollment_current
from training_site.input_cleaning import ascii_int


@login_required
@require_POST
def enroll(request, course_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    try:
        services.enrollment_create(learner=request.user, course=course)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(course.get_url(request=request))
    messages.success(request, _("You are enrolled in “%(title)s”.") % {"title": course.title})
    return redirect(course.get_url(request=request))


@login_required
@require_POST
def lesson_complete(request, lesson_id: int):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        enrollment = services.lesson_complete(learner=request.user, lesson=lesson)
    except Enrollment.DoesNotExist as error:
        raise Http404 from error
    if enrollment.is_completed:
        messages.success(
            request,
            _("Congratulations! You have completed “%(title)s”.") % {"title": enrollment.course.title},
        )
    next_id = request.POST.get("next")
    if next_id:
        next_page = _course_page_after(lesson, next_id)
        if next_page is None:
            return HttpResponseBadRequest(_("Invalid next page."))
        return redirect(next_page.get_url(request=request))
    return redirect(lesson.get_url(request=request))


def _course_page_after(lesson: LessonPage, page_id: str):
    """The live lesson or activity ``page_id`` if it is in the lesson's course, else None."""
    pk = ascii_int(page_id)
    if pk is None:
        return None
    course = course_for_lesson(lesson)
    page = Page.objects.live().descendant_of(course).filter(pk=pk).specific().first()
    if page is None or not isinstance(page, (LessonPage, *course_activity_models())):
        return None
    return page


@login_required
@require_POST
def lesson_reopen(request, lesson_id: int):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        services.lesson_reopen(learner=request.user, lesson=lesson)
    except Enrollment.DoesNotExist as error:
        raise Http404 from error
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The lesson is marked not complete."))
    return redirect(lesson.get_url(request=request))


@require_POST
def reflection_save(request, lesson_id: int, block_id: str):
    """The note form (redirect back) or the lesson page's script saving as the learner types
    (``Accept: application/json``): JSON only, so a page signed out is told so (401) instead
    of reading the login page as a save."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    if not request.user.is_authenticated:
        if wants_json:
            message = _("You have been signed out. Sign in again to save your note.")
            return JsonResponse({"error": message, "signed_out": True}, status=401)
        return redirect_to_login(lesson.get_url(request=request))
    if enrollment_current(learner=request.user, course=course_for_lesson(lesson)) is None:
        raise Http404
    text = request.POST.get("text")
    if text is None:
        return HttpResponseBadRequest(_("No note was sent."))
    try:
        services.reflection_note_save(author=request.user, lesson=lesson, block_id=block_id, text=text)
    except ValidationError as error:
        if error.code == "unknown_block":
            return HttpResponseBadRequest(error.messages[0])
        if wants_json:
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        for message in error.messages:
            messages.error(request, message)
    else:
        if wants_json:
            # The profile's zone is active (UserTimezoneMiddleware).
            when = date_format(timezone.localtime(), "TIME_FORMAT")
            return JsonResponse({"saved": True, "saved_at_display": when})
        messages.success(request, _("Your note has been saved. Only you can see it."))
    return redirect(lesson.get_url(request=request) + f"#reflection-{block_id}")


def invitation_accept(request, token: str):
    """The emailed invitation link: choose a password, then the account is open, the
    address verified and the person signed in. A used, revoked, expired or unknown link says
    so and changes nothing. Submitting is rate-limited per IP and per link (allauth's
    limits, "invitation_accept" in ACCOUNT_RATE_LIMITS)."""
    invitation = invitations.invitation_for_token(token)
    problem = invitations.invitation_problem(invitation)
    if problem:
        status = 404 if invitation is None else 410
        return render(request, "courses/invitation_accept.html", {"problem": problem}, status=status)
    form = SetPasswordForm(invitation.learner, request.POST or None)
    if request.method == "POST":
        if not ratelimit.consume(request, action="invitation_accept", key=invitation.token_hash):
            return ratelimit.respond_429(request)
        if form.is_valid():
            try:
                outcome = invitations.invitation_accept(
                    token=token, password=form.cleaned_data["new_password1"]
                )
            except ValidationError as error:
                return render(
                    request,
                    "courses/invitation_accept.html",
                    {"problem": " ".join(error.messages)},
                    status=410,
                )
            login(request, outcome.learner, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! Your account is ready and you have joined %(cohort)s.")
                % {"cohort": outcome.cohort.name},
            )
            return redirect("dashboard")
    return render(
        request,
        "courses/invitation_accept.html",
        {"form": form, "invitation": invitation, "cohort_name": invitation.cohort.name},
    )
