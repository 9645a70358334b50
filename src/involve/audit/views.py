from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from involve.core.pagination import paginate
from involve.core.progress import task_run_start
from involve.organisations.permissions import Action

from . import presenters, services
from .forms import AuditFilterForm
from .selectors import events_for_organisation, filter_choices
from .tasks import export_audit_csv


def _filters(request):
    access = request.access
    access.require(Action.VIEW_AUDIT)
    actions, target_types = filter_choices(access.organisation)
    form = AuditFilterForm(request.GET or None, actions=actions, target_types=target_types)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, filters


def event_list(request):
    form, filters = _filters(request)
    events = events_for_organisation(request.access.organisation, **filters)
    page = paginate(request, events)
    entries = presenters.entries(page.object_list, request.access)
    return render(
        request,
        "audit/list.html",
        {
            "section": "audit",
            "form": form,
            "page": page,
            "entries": entries,
            "count": presenters.plural(page.paginator.count, "event"),
            "short": presenters.SHORT,
        },
    )


@require_POST
def event_export(request):
    form, filters = _filters(request)
    access = request.access
    run = task_run_start(
        organisation=access.organisation,
        by=request.user,
        kind="audit_export",
        label=f"Audit log export for {access.organisation.name}",
        task=export_audit_csv,
        organisation_id=access.organisation.pk,
        filters={k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in filters.items()},
    )
    services.record(
        action="audit.export", by=request.user, organisation=access.organisation, target=run, new={"filters": filters}
    )
    return redirect("task_run", pk=run.pk)
