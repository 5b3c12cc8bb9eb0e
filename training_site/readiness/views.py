"""The learner's pathway screens: their record, the roles they aim at, their readiness.

Every entry is looked up among the signed-in learner's own (another learner's id is a
404, never a 403 that confirms it exists); forms re-render with their errors.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from training_site.readiness import selectors, services
from training_site.readiness.forms import CertificationForm, EducationForm, ExperienceForm, SkillsForm
from training_site.readiness.models import (
    CertificationHeld,
    EducationEntry,
    ExperienceEntry,
    Requirement,
    RoleChoice,
    SkillAssessment,
    Step,
)


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    form: type
    title: object
    needs_learner: bool = False


KINDS = {
    "education": Kind("education", EducationEntry, EducationForm, gettext_lazy("Education")),
    "experience": Kind("experience", ExperienceEntry, ExperienceForm, gettext_lazy("Experience"), True),
    "certifications": Kind(
        "certifications", CertificationHeld, CertificationForm, gettext_lazy("Certifications")
    ),
}


@login_required
def record(request):
    learner = request.user
    return render(
        request,
        "readiness/record.html",
        {
            "education": selectors.education_entries_of(learner=learner),
            "experience": selectors.experience_entries_of(learner=learner),
            "certifications": selectors.certifications_of(learner=learner),
            "skills": SkillAssessment.objects.filter(learner=learner),
        },
    )


def _form(kind: Kind, request, instance=None):
    extra = {"learner": request.user} if kind.needs_learner else {}
    return kind.form(request.POST or None, instance=instance, **extra)


def _entry_form(request, kind: Kind, instance=None):
    form = _form(kind, request, instance)
    if request.method == "POST":
        if form.is_valid():
            services.record_entry_save(learner=request.user, entry=form.instance, changed=form.changed_data)
            messages.success(request, _("Saved."))
            return redirect("readiness:record")
        messages.error(request, _("Please correct the errors below."))
    return render(request, "readiness/entry_form.html", {"form": form, "kind": kind, "entry": instance})


def _kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise Http404 from None


@login_required
def entry_add(request, kind: str):
    return _entry_form(request, _kind(kind))


@login_required
def entry_edit(request, kind: str, pk: int):
    kind = _kind(kind)
    entry = get_object_or_404(kind.model, pk=pk, learner=request.user)
    return _entry_form(request, kind, entry)


@login_required
@require_POST
def entry_delete(request, kind: str, pk: int):
    kind = _kind(kind)
    entry = get_object_or_404(kind.model, pk=pk, learner=request.user)
    services.record_entry_delete(learner=request.user, entry=entry)
    messages.success(request, _("Deleted."))
    return redirect("readiness:record")


def _skills_for(learner) -> list[str]:
    """The skills the learner's chosen roles name; every visible role's when none is chosen."""
    chosen = RoleChoice.objects.filter(learner=learner, role__live=True).values("role_id")
    rows = Requirement.objects.filter(step=Step.SKILLS, role__in=chosen)
    if not rows.exists():
        rows = Requirement.objects.filter(
            step=Step.SKILLS, role__in=selectors.target_roles_visible_to(learner=learner)
        )
    seen, skills = set(), []
    for skill in rows.order_by("sort_order", "pk").values_list("skill", flat=True):
        if skill.strip() and skill.casefold() not in seen:
            seen.add(skill.casefold())
            skills.append(skill.strip())
    return skills


@login_required
def skills(request):
    learner = request.user
    names = _skills_for(learner)
    current = {
        s.skill.casefold(): (s.level, s.reflection) for s in SkillAssessment.objects.filter(learner=learner)
    }
    form = SkillsForm(request.POST or None, skills=names, current=current)
    if request.method == "POST":
        if form.is_valid():
            services.skills_assess(learner=learner, ratings=form.ratings())
            messages.success(request, _("Your self-assessment has been saved."))
            return redirect("readiness:skills")
        messages.error(request, _("Please correct the errors below."))
    readiness = selectors.learner_readiness(learner=learner)
    lessons = selectors.lessons_for_skills(readiness.weak_skills)
    return render(
        request,
        "readiness/skills.html",
        {"form": form, "has_skills": bool(names), "recommendations": lessons},
    )


@login_required
def roles(request):
    learner = request.user
    chosen = set(RoleChoice.objects.filter(learner=learner).values_list("role_id", flat=True))
    visible = list(selectors.target_roles_visible_to(learner=learner))
    return render(request, "readiness/roles.html", {"roles": visible, "chosen": chosen})


@login_required
@require_POST
def role_choose(request, role_id: int):
    role = get_object_or_404(selectors.target_roles_visible_to(learner=request.user), pk=role_id)
    services.target_role_choose(learner=request.user, role=role)
    messages.success(request, _("You are now aiming at “%(title)s”.") % {"title": role.title})
    return redirect("readiness:readiness")


@login_required
@require_POST
def role_drop(request, role_id: int):
    choice = get_object_or_404(
        RoleChoice.objects.select_related("role"), learner=request.user, role_id=role_id
    )
    services.target_role_drop(learner=request.user, role=choice.role)
    messages.success(request, _("You no longer aim at “%(title)s”.") % {"title": choice.role.title})
    return redirect("readiness:roles")


@login_required
def readiness(request):
    result = selectors.learner_readiness(learner=request.user)
    return render(request, "readiness/readiness.html", {"readiness": result})
