"""The pages that know about organisations and the records in them: home, roles, task progress."""

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render

from involve.core.models import TaskRun
from involve.core.pagination import paginate
from involve.engagement import worklist
from involve.organisations.access import get_for_user
from involve.organisations.models import Role
from involve.organisations.permissions import table

# Rows of the table of organisations below a region or the country, per page.
ORGANISATIONS_PER_PAGE = 25


def home(request):
    access = request.access
    context = {"section": "home", "summary_links": worklist.summary_links}
    if access.organisation is not None:
        context["work"] = worklist.worklist(access=access)
        context["affecting"] = list(worklist.decisions_affecting(access=access))
        if worklist.has_organisations_below(access=access):
            context["below"] = paginate(
                request, worklist.organisations_below_summary(access=access), per_page=ORGANISATIONS_PER_PAGE
            )
    return render(request, "site/home.html", context)


@login_not_required
def roles(request):
    return render(request, "site/roles.html", {"rows": table(), "roles": Role.choices})


def get_task_run_for_user(access, pk) -> TaskRun:
    # A task's progress and result belong to the person who asked for it, in that organisation.
    return get_for_user(TaskRun.objects.filter(requested_by=access.user), access, pk=pk)


def task_run(request, pk):
    run = get_task_run_for_user(request.access, pk)
    template = "site/task_status.html" if request.headers.get("HX-Request") else "site/task_run.html"
    return render(request, template, {"run": run})


def task_run_download(request, pk):
    run = get_task_run_for_user(request.access, pk)
    if run.status != TaskRun.Status.DONE or not run.result_file:
        raise Http404
    response = FileResponse(default_storage.open(run.result_file, "rb"), as_attachment=True, filename=run.result_name)
    response["Cache-Control"] = "no-store"
    return response
