from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from involve.organisations.access import get_for_user
from involve.organisations.models import Role
from involve.organisations.permissions import table

from .models import TaskRun


def home(request):
    return render(request, "core/home.html", {"section": "home"})


def account_settings(request):
    from allauth.mfa.models import Authenticator

    has_totp = Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
    return render(request, "core/account.html", {"has_totp": has_totp})


@login_not_required
@require_GET
def health(request):
    # For load balancers: answers 200 only when the database answers.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def accessibility(request):
    return render(request, "core/accessibility.html")


@login_not_required
def roles(request):
    return render(request, "core/roles.html", {"rows": table(), "roles": Role.choices})


def get_task_run_for_user(access, pk) -> TaskRun:
    # A task's progress and result belong to the person who asked for it, in that organisation.
    return get_for_user(TaskRun.objects.filter(requested_by=access.user), access, pk=pk)


def task_run(request, pk):
    run = get_task_run_for_user(request.access, pk)
    template = "core/task_status.html" if request.headers.get("HX-Request") else "core/task_run.html"
    return render(request, template, {"run": run})


def task_run_download(request, pk):
    run = get_task_run_for_user(request.access, pk)
    if run.status != TaskRun.Status.DONE or not run.result_file:
        raise Http404
    response = FileResponse(default_storage.open(run.result_file, "rb"), as_attachment=True,
                            filename=run.result_name)
    response["Cache-Control"] = "no-store"
    return response


def _error(template, status):
    def view(request, exception=None):
        return render(request, template, status=status)

    return view


bad_request = _error("errors/400.html", 400)
permission_denied = _error("errors/403.html", 403)
page_not_found = _error("errors/404.html", 404)


def server_error(request):
    # Rendered without the request context: whatever broke must not break the error page too.
    from django.template.loader import render_to_string

    return HttpResponse(render_to_string("errors/500.html"), status=500)
