"""Evidence pages (add a file or a link, remove) and the evidence download. The board paper cover sheet's
views (page, PDF, DOCX, board paper details) live in coversheet/views.py.

Every evidence view goes through access.get_evidence_for_user, every decision and activity through
their own helpers: another organisation's record is a 404, a record the person may read but not
change (a region reading an ICB) is a 403. Downloads are always attachments with a file name the
server chooses, the stored content type, nosniff and no-store, so nothing uploaded is ever shown
inline by the browser.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods

from involve.core import forms as core_forms
from involve.core.forms import NHSDateField
from involve.core.pages import INVALID, apply_errors
from involve.core.uploads import ALL_KINDS, UploadField
from involve.organisations.permissions import Action

from .. import evidence
from ..access import get_activity_for_user, get_decision_for_user, get_evidence_for_user
from ..models import Decision, Evidence


class _EvidenceForm(core_forms.Form):
    title = forms.CharField(
        max_length=200, label="Title", help_text="What the evidence is, for example Workshop report or Survey results"
    )
    dated = NHSDateField(
        label="Date of the evidence",
        help_text="The date of what it shows, for example the day of the meeting. For example, 15 3 2025",
    )
    description = forms.CharField(
        label="Description", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class EvidenceFileForm(_EvidenceForm):
    file = UploadField(label="File", kinds=ALL_KINDS)
    field_order = ["title", "file", "dated", "description"]


class EvidenceLinkForm(_EvidenceForm):
    url = forms.CharField(
        label="Web address",
        max_length=2000,
        help_text="It must start with https://, for example https://www.example.nhs.uk/report",
        validators=[core_forms.no_bidi_controls],
    )
    field_order = ["title", "url", "dated", "description"]

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if not url.lower().startswith("https://"):
            raise ValidationError("Enter a web address that starts with https://")
        return url


def _owner(request, owner_type, pk, action):
    if owner_type == "decision":
        return get_decision_for_user(request.access, pk, action=action)
    if owner_type == "activity":
        return get_activity_for_user(request.access, pk, action=action)
    raise Http404


def _owner_url(owner) -> str:
    name = "decision_detail" if isinstance(owner, Decision) else "activity_detail"
    return reverse(f"engagement:{name}", args=[owner.pk]) + "#evidence"


@require_http_methods(["GET", "POST"])
def evidence_add(request, pk, owner_type, kind):
    owner = _owner(request, owner_type, pk, Action.EDIT)
    form_class = EvidenceFileForm if kind == Evidence.Kind.FILE else EvidenceLinkForm
    posted = request.method == "POST"
    form = form_class(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        common = {
            "by": request.user,
            "owner": owner,
            "title": data["title"],
            "dated": data["dated"],
            "description": data["description"],
        }
        try:
            if kind == Evidence.Kind.FILE:
                item = evidence.evidence_upload(file=data["file"], **common)
            else:
                item = evidence.evidence_add_link(url=data["url"], **common)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Evidence added: {item.title}")
            return redirect(_owner_url(owner))
    return render(
        request,
        "engagement/documents/evidence_form.html",
        {
            "section": "decisions" if owner_type == "decision" else "activities",
            "form": form,
            "owner": owner,
            "owner_type": owner_type,
            "kind": kind,
            "back_url": _owner_url(owner),
            "other_kind_url": reverse(
                f"engagement:evidence_add_{'link' if kind == 'file' else 'file'}_{owner_type}", args=[owner.pk]
            ),
        },
        status=INVALID if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def evidence_remove(request, pk):
    item = get_evidence_for_user(request.access, pk, action=Action.MANAGE)
    owner = item.owner
    if request.method == "POST":
        evidence.evidence_delete(by=request.user, evidence=item)
        messages.success(request, f"Evidence removed: {item.title}")
        return redirect(_owner_url(owner))
    return render(
        request,
        "engagement/documents/evidence_remove.html",
        {
            "section": "decisions" if item.decision_id else "activities",
            "evidence": item,
            "owner": owner,
            "back_url": _owner_url(owner),
        },
    )


def download_name(item) -> str:
    """The server's choice of file name: never the uploaded name, which only appears on pages."""
    extension = next((k.extensions[0] for k in ALL_KINDS if k.content_type == item.content_type), "")
    return f"evidence-{item.pk}-{slugify(item.title)[:60] or 'file'}{extension}"


def file_response(item):
    """The evidence file as a download that no browser runs or shows inline; 404 when it is not a file
    or its file has gone. Also serves a consultation's public documents (consultations/views/public.py)."""
    if item.kind != Evidence.Kind.FILE or not item.file.name:
        raise Http404
    try:
        handle = default_storage.open(item.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(item),
        content_type=item.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser ever show it anyway, nothing in it may run or load.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_http_methods(["GET", "HEAD"])
def evidence_download(request, pk):
    item = get_evidence_for_user(request.access, pk)
    response = file_response(item)
    if request.method == "GET":
        evidence.evidence_downloaded(by=request.user, evidence=item)
    response["Cache-Control"] = "no-store"
    response.audited = True  # evidence_downloaded() wrote the event, naming the evidence
    return response
