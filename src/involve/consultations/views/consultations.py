"""Consultations: list, export, add, edit, detail, delete, the state changes and copying as a template."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.core.exports import table
from involve.core.pages import INVALID, ListPage, confirm_delete, form_view, list_export, list_page, posted
from involve.organisations.permissions import Action

from .. import selectors, services
from ..access import get_consultation_for_user
from ..forms import ConsultationFilterForm, ConsultationForm, CopyForm, ReopenForm, ResultsForm
from ..models import Consultation

SECTION = "consultations"
SORTS = {
    "title": ["title"],
    "organisation": ["organisation__name"],
    "state": ["state"],
    "opens": ["opens_at"],
    "closes": ["closes_at"],
    "responses": ["n_responses"],
}
COLUMNS = [
    ("Consultation", "title"),
    ("Organisation", "organisation"),
    ("State", "state"),
    ("Opens", "opens"),
    ("Closes", "closes"),
    ("Responses", "responses"),
]


def _local(moment):
    from django.utils import timezone

    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def export_rows(rows):
    rows = rows.prefetch_related("decisions")
    return table(
        [
            ("Organisation", lambda c: c.organisation.name),
            ("ODS code", lambda c: c.organisation.ods_code),
            ("Title", lambda c: c.title),
            ("Web address (slug)", lambda c: c.slug),
            ("Type", lambda c: c.get_kind_display()),
            ("State", lambda c: c.get_state_display()),
            ("Opens (UK time; empty if not set)", lambda c: _local(c.opens_at)),
            ("Closes (UK time; empty if not set)", lambda c: _local(c.closes_at)),
            ("Responses", lambda c: c.n_responses),
            ("Engagement activity (empty if none)", lambda c: c.activity.title if c.activity else ""),
            ("Decisions it informs", lambda c: "; ".join(d.title for d in c.decisions.all())),
        ],
        rows,
    )


CONSULTATIONS = ListPage(
    template="consultations/consultation_list.html",
    section=SECTION,
    filter_form=ConsultationFilterForm,
    select=selectors.consultation_list,
    sorts=SORTS,
    default_sort="-opens",
    columns=COLUMNS,
    export_url="consultations:consultation_export",
    export_rows=export_rows,
    export_name="consultations",
    export_title="Consultations",
)


def consultation_list(request):
    request.access.require(Action.VIEW)
    return list_page(request, CONSULTATIONS, can_add=request.access.can(Action.EDIT))


def consultation_export(request, fmt):
    request.access.require(Action.VIEW)
    return list_export(request, CONSULTATIONS, fmt)


def _detail(consultation):
    return reverse("consultations:consultation_detail", args=[consultation.pk])


def consultation_add(request):
    access = request.access
    access.require(Action.EDIT)
    form = ConsultationForm(posted(request), organisation=access.organisation)
    return form_view(
        request,
        form,
        lambda: services.consultation_create(
            by=request.user, organisation=access.organisation, **form.changes(), **form.m2m()
        ),
        success=lambda c: f"‘{c.title}’ has been added as a draft. Add its questions next.",
        next_url=_detail,
        title="Add a consultation or survey",
        section=SECTION,
        cancel_url=reverse("consultations:consultation_list"),
    )


def consultation_edit(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.EDIT)
    form = ConsultationForm(posted(request), instance=consultation, organisation=consultation.organisation)
    return form_view(
        request,
        form,
        lambda: services.consultation_update(
            by=request.user, consultation=consultation, revision=form.revision, **form.changes(), **form.m2m()
        ),
        success="The consultation has been saved.",
        next_url=_detail,
        title="Change the consultation",
        caption=consultation.title,
        section=SECTION,
        cancel_url=_detail(consultation),
    )


# Links to the pages other parts of the area provide, in the order the detail page lists them:
# (URL name, link text, arguments in order, who sees it: "view", "edit" or "manage", published only).
RELATED = [
    ("consultations:preview", "Preview the public page", lambda c: [c.pk], "view", False),
    (
        "have_your_say:consultation",
        "The public page",
        lambda c: [c.organisation_id, c.slug],
        "view",
        True,
    ),
    ("consultations:paper_entry", "Enter a paper or face-to-face response", lambda c: [c.pk], "edit", False),
    ("consultations:import_list", "Import feedback from a file", lambda c: [c.pk], "view", False),
    ("consultations:analysis", "Analysis: counts and cross-tabulations", lambda c: [c.pk], "view", False),
    ("consultations:summary", "Summary report", lambda c: [c.pk], "view", False),
    ("consultations:moderation", "Moderation and publication of responses", lambda c: [c.pk], "manage", False),
    (
        "consultations:response_export",
        "Download the responses (CSV)",
        lambda c: [c.pk, "csv"],
        "view",
        False,
    ),
    (
        "consultations:response_export",
        "Download the responses (Excel, XLSX)",
        lambda c: [c.pk, "xlsx"],
        "view",
        False,
    ),
]


def related_links(consultation, *, can_edit, can_manage):
    allowed = {"view": True, "edit": can_edit, "manage": can_manage}
    links = []
    for name, text, args, who, published_only in RELATED:
        if not allowed[who] or (published_only and consultation.state == Consultation.State.DRAFT):
            continue
        href = reverse(name, args=args(consultation))
        links.append({"href": href, "text": text, "download": name.endswith("_export")})
    return links


def consultation_detail(request, pk):
    access = request.access
    consultation = get_consultation_for_user(access, pk)
    can_edit = access.can_change(consultation.organisation_id, Action.EDIT)
    can_manage = access.can_change(consultation.organisation_id, Action.MANAGE)
    channels, total = selectors.responses_by_channel(consultation)
    groups = selectors.questionnaire(consultation)
    return render(
        request,
        "consultations/consultation_detail.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "groups": groups,
            "n_questions": sum(len(qs) for _, qs in groups),
            "condition_words": selectors.condition_words,
            "channels": channels,
            "total": total,
            "decisions": consultation.decisions.order_by("title"),
            "links": related_links(consultation, can_edit=can_edit, can_manage=can_manage),
            "can_edit": can_edit,
            "can_manage": can_manage,
            "can_copy": access.can(Action.EDIT),
            "is_open": consultation.is_open(),
        },
    )


def consultation_delete(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.MANAGE)
    return confirm_delete(
        request,
        obj=consultation,
        section=SECTION,
        delete=lambda: services.consultation_delete(by=request.user, consultation=consultation),
        title=f"Delete ‘{consultation.title}’?",
        message="The consultation, its sections and its questions are deleted. This cannot be undone. "
        "A consultation that has responses cannot be deleted.",
        cancel_url=_detail(consultation),
        done_url=reverse("consultations:consultation_list"),
        done_message=f"‘{consultation.title}’ has been deleted.",
    )


# State changes: a confirmation page, then a POST.


def _state_change(request, consultation, *, title, message, button, change, done, problems=(), blocked=None):
    errors = list(problems)
    if request.method == "POST" and blocked is None:
        try:
            change()
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, done)
            return redirect(_detail(consultation))
    return render(
        request,
        "consultations/state_change.html",
        {
            "section": SECTION,
            "consultation": consultation,
            "title": title,
            "message": message,
            "button_text": button,
            "errors": errors,
            "blocked": blocked,
        },
        status=INVALID if request.method == "POST" else 200,
    )


def _not_now(consultation, needed):
    if consultation.state == needed:
        return None
    return (
        f"This consultation is {consultation.get_state_display().lower()}. "
        f"This can only be done when it is {Consultation.State(needed).label.lower()}."
    )


def consultation_publish(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.MANAGE)
    blocked = _not_now(consultation, Consultation.State.DRAFT)
    problems = [] if blocked else services.publish_problems(consultation)
    return _state_change(
        request,
        consultation,
        title=f"Publish ‘{consultation.title}’?",
        message="It will appear on your organisation's public hub, and people can answer it from its opening "
        "time until its closing time.",
        button="Publish it",
        change=lambda: services.consultation_publish(by=request.user, consultation=consultation),
        done=f"‘{consultation.title}’ has been published.",
        problems=["It cannot be published yet.", *problems] if problems else [],
        blocked=blocked,
    )


def consultation_close(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.MANAGE)
    return _state_change(
        request,
        consultation,
        title=f"Close ‘{consultation.title}’?",
        message="People can no longer answer it. Its closing time becomes now, if that is earlier. You can "
        "reopen it later with a new closing time.",
        button="Close it",
        change=lambda: services.consultation_close(by=request.user, consultation=consultation),
        done=f"‘{consultation.title}’ has been closed.",
        blocked=_not_now(consultation, Consultation.State.PUBLISHED),
    )


def _form_state_change(request, consultation, form, *, title, intro, submit, save, done, blocked):
    if blocked:
        return _state_change(
            request, consultation, title=title, message=intro, button=submit, change=None, done="", blocked=blocked
        )
    return form_view(
        request,
        form,
        save,
        success=done,
        next_url=_detail,
        title=title,
        caption=consultation.title,
        intro=intro,
        submit=submit,
        section=SECTION,
        cancel_url=_detail(consultation),
    )


def consultation_reopen(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.MANAGE)
    form = ReopenForm(posted(request))
    return _form_state_change(
        request,
        consultation,
        form,
        title="Reopen the consultation",
        intro="People can answer it again until the new closing time.",
        submit="Reopen it",
        save=lambda: services.consultation_reopen(
            by=request.user, consultation=consultation, closes_at=form.cleaned_data["closes_at"]
        ),
        done=f"‘{consultation.title}’ has been reopened.",
        blocked=_not_now(consultation, Consultation.State.CLOSED),
    )


def consultation_publish_results(request, pk):
    consultation = get_consultation_for_user(request.access, pk, action=Action.MANAGE)
    form = ResultsForm(posted(request), instance=consultation)
    return _form_state_change(
        request,
        consultation,
        form,
        title="Publish the results",
        intro="Tell the people who took part what you heard and what you did about it. This is published on "
        "the consultation's public page.",
        submit="Publish the results",
        save=lambda: services.consultation_publish_results(
            by=request.user, consultation=consultation, results_summary=form.cleaned_data["results_summary"]
        ),
        done=f"The results of ‘{consultation.title}’ have been published.",
        blocked=_not_now(consultation, Consultation.State.CLOSED),
    )


def consultation_copy(request, pk):
    access = request.access
    source = get_consultation_for_user(access, pk)
    access.require(Action.EDIT)
    form = CopyForm(posted(request), initial={"title": f"Copy of {source.title}"[:200]})
    return form_view(
        request,
        form,
        lambda: services.consultation_copy(
            by=request.user,
            consultation=source,
            organisation=access.organisation,
            title=form.cleaned_data["title"],
            slug=form.cleaned_data["slug"],
        ),
        success=lambda c: f"‘{c.title}’ has been made as a draft, with every section and question copied.",
        next_url=_detail,
        title="Copy as a template",
        caption=source.title,
        intro=f"A new draft for {access.organisation.name} with the same sections and questions. No responses "
        "are copied, and you set its dates.",
        submit="Make the copy",
        section=SECTION,
        cancel_url=_detail(source),
    )
