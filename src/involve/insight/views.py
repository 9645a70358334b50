"""Review and safeguarding pages: the review queue and one comment's review form, the analysis runs,
the model versions (re-run, retrain, activate), the safeguarding queue, a flag's handling and the
list of safeguarding reviewers. Thin: the rules are in access.py and services.py.

Which text people see: everyone who may read a comment sees its masked text (names, numbers,
addresses masked); people who may change it (EDIT in its own organisation) may also open what the
person wrote, as coding needs the whole context and they already read it on the response page.
Readers above the organisation (a region) see the masked text only.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse

from involve.consultations.models import Consultation
from involve.core import forms as core_forms
from involve.core.conflicts import RecordGone
from involve.core.models import TaskRun
from involve.core.pages import INVALID, apply_errors, posted, typed_values
from involve.core.pagination import paginate
from involve.organisations.models import Membership
from involve.organisations.permissions import Action

from . import access as insight_access
from . import services
from .forms import AddReviewerForm, HandleFlagForm, ReviewForm
from .models import Comment, Label, SafeguardingFlag, SafeguardingReviewer, Theme

SECTION = "insight"
PAGE_SIZE = 20
STATES = [("unreviewed", "Not reviewed"), ("reviewed", "Reviewed"), ("all", "Any")]


def _context(request, **extra):
    return {"section": SECTION, "open_flags": insight_access.open_flag_count(request.access), **extra}


class QueueFilter(core_forms.Form):
    state = forms.ChoiceField(label="Review", choices=STATES, required=False)
    consultation = forms.ChoiceField(label="Consultation or survey", required=False)
    source = forms.ChoiceField(label="Where it came from", required=False)
    sentiment = forms.ChoiceField(label="Sentiment", required=False)
    theme = forms.ChoiceField(label="Theme", required=False)
    received_from = forms.DateField(
        label="Received from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label="Received up to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label="Words in the comment", required=False, max_length=200)

    def __init__(self, data, *, access, themes):
        super().__init__(data)
        consultations = access.scope(Consultation.objects.all()).order_by("title").values_list("pk", "title")
        self.fields["consultation"].choices = [("", "Any")] + [(str(pk), t) for pk, t in consultations]
        self.fields["source"].choices = [("", "Any"), *Comment.Source.choices]
        self.fields["sentiment"].choices = [("", "Any"), *Comment.Sentiment3.choices]
        self.fields["theme"].choices = [("", "Any")] + [(str(t.pk), f"{t.category.name}: {t.name}") for t in themes]

    def values(self):
        if not self.is_valid():
            return {"state": "unreviewed"}
        data = self.cleaned_data
        return {
            "state": data["state"] or "unreviewed",
            "consultation": data["consultation"] or None,
            "source": data["source"],
            "sentiment": data["sentiment"],
            "theme": data["theme"] or None,
            "received_from": data["received_from"],
            "received_to": data["received_to"],
            "search": data["q"].strip(),
        }


def _themes():
    framework = services.default_framework()
    if framework is None:
        return []
    return list(Theme.objects.filter(framework=framework).select_related("category"))


def review_queue(request):
    access = request.access
    access.require(Action.VIEW)
    themes = _themes()
    form = QueueFilter(request.GET, access=access, themes=themes)
    rows = insight_access.review_queue(access, **form.values())
    page = paginate(request, rows.prefetch_related("labels__theme"), per_page=PAGE_SIZE)
    pending = access.scope(Comment.objects.filter(classified_at__isnull=True)).count()
    return render(
        request,
        "insight/review/queue.html",
        _context(
            request,
            form=form,
            page=page,
            pending=pending,
            can_edit=access.can(Action.EDIT),
            can_handle=insight_access.can_handle_safeguarding(access),
        ),
    )


def _labels(comment):
    return list(
        Label.objects.filter(comment=comment)
        .select_related("theme__category", "model_version", "decided_by")
        .order_by("-probability", "pk")
    )


def comment_detail(request, pk):
    access = request.access
    comment = insight_access.get_comment_for_user(access, pk)
    can_edit = access.can_change(comment.organisation_id, Action.EDIT)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    labels = _labels(comment)
    themes = _themes()
    form = None
    status = 200
    if can_edit:
        form = ReviewForm(
            posted(request), comment=comment, labels=labels, themes=themes, seen=services.seen_token(comment)
        )
        if form.is_bound:
            if form.is_valid():
                try:
                    changes = services.review_comment(
                        by=request.user,
                        comment=comment,
                        seen=form.cleaned_data["seen"],
                        decisions=form.decisions(),
                        add_theme=form.theme_to_add(),
                        sentiment3=form.sentiment(),
                        reviewed=form.cleaned_data["reviewed"],
                    )
                except RecordGone:  # deleted while the person reviewed it: say so, and show what they chose
                    return render(request, "core/record_gone.html", {"typed": typed_values(form)}, status=404)
                except services.ChangedMeanwhile:
                    messages.error(
                        request,
                        "Someone else reviewed this comment after you opened it, so nothing was saved. "
                        "Check what they decided, then review it again.",
                    )
                    return redirect(reverse("insight:comment", args=[comment.pk]))
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, "Your review has been saved." if changes else "Nothing was changed.")
                    return redirect(reverse("insight:comment", args=[comment.pk]))
            status = INVALID
    flag = SafeguardingFlag.objects.filter(comment=comment).first()
    return render(
        request,
        "insight/review/comment.html",
        _context(
            request,
            comment=comment,
            labels=labels,
            form=form,
            can_edit=can_edit,
            flag=flag if flag and insight_access.can_handle_safeguarding(access, comment.organisation_id) else None,
        ),
        status=status,
    )


def _confirm(request, *, title, message, button, cancel_url, warning=False, error=None):
    return render(
        request,
        "insight/review/confirm.html",
        _context(
            request,
            title=title,
            message=message,
            button_text=button,
            cancel_url=cancel_url,
            warning=warning,
            error=error,
        ),
        status=INVALID if error else 200,
    )


def runs(request):
    access = request.access
    access.require(Action.VIEW)
    rows = TaskRun.objects.filter(organisation=access.organisation, kind__startswith="insight.")
    page = paginate(request, rows.order_by("-created_at"), per_page=PAGE_SIZE)
    pending = access.scope(Comment.objects.filter(classified_at__isnull=True)).count()
    return render(
        request,
        "insight/review/runs.html",
        _context(request, page=page, pending=pending, can_edit=access.can(Action.EDIT)),
    )


def classify_missed(request):
    access = request.access
    access.require(Action.EDIT)
    if request.method == "POST":
        run = services.start_classification(
            organisation=access.organisation, by=request.user, label="Classify comments not yet classified"
        )
        return redirect(reverse("task_run", args=[run.pk]))
    return _confirm(
        request,
        title="Classify anything missed",
        message="Finds free-text answers and activity notes with no comment yet, and comments not yet "
        "classified, and classifies them with the active model. It runs in the background.",
        button="Classify them",
        cancel_url=reverse("insight:runs"),
    )


# Model versions


def model_list(request):
    access = request.access
    access.require(Action.VIEW)
    versions = list(insight_access.model_versions_for(access).select_related("framework", "trained_by"))
    active = services.pipeline.active_model_version(access.organisation) if access.organisation else None
    return render(
        request,
        "insight/models/list.html",
        _context(
            request,
            versions=versions,
            active=active,
            can_manage=access.can(Action.MANAGE),
            reviewed=Comment.objects.filter(organisation=access.organisation, review=Comment.Review.REVIEWED).count(),
        ),
    )


def _numbers(metrics, prefix="", depth=0):
    """{name: number} of the overall figures in a metrics dict (nested dicts one or two deep, per-label
    tables left out)."""
    found = {}
    for key, value in (metrics or {}).items():
        name = f"{prefix}{key}".replace("_", " ")
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found[name] = value
        elif isinstance(value, dict) and depth < 2 and "label" not in str(key):
            found |= _numbers(value, f"{name}: ", depth + 1)
    return found


def _metric_rows(version):
    """(name, before, after) for the overall figures, the model it replaced beside this one."""
    after, before = _numbers(version.metrics), _numbers(version.metrics_before)
    return [(name, before.get(name), after.get(name)) for name in sorted(set(after) | set(before))]


def model_detail(request, pk):
    access = request.access
    version = insight_access.get_model_version_for_user(access, pk)
    active = services.pipeline.active_model_version(access.organisation)
    return render(
        request,
        "insight/models/detail.html",
        _context(
            request,
            version=version,
            rows=_metric_rows(version),
            is_active=active is not None and active.pk == version.pk,
            can_manage=access.can(Action.MANAGE),
        ),
    )


def model_activate(request, pk):
    access = request.access
    version = insight_access.get_model_version_for_user(access, pk, action=Action.MANAGE)
    cancel = reverse("insight:model", args=[version.pk])
    if request.method == "POST":
        try:
            services.activate(by=request.user, version=version, organisation=access.organisation)
        except ValidationError as exc:
            return _confirm(
                request,
                title=f"Activate {version}",
                message="",
                button="Activate it",
                cancel_url=cancel,
                error=" ".join(exc.messages),
            )
        messages.success(request, f"{version} now classifies new comments. Re-run it to reclassify older ones.")
        return redirect(reverse("insight:models"))
    return _confirm(
        request,
        title=f"Activate {version}?",
        message="New comments will be classified with this model. Comments already classified keep their labels "
        "until you re-run the model; labels people decided are never changed.",
        button="Yes, activate it",
        cancel_url=cancel,
    )


def model_rerun(request):
    access = request.access
    access.require(Action.MANAGE)
    cancel = reverse("insight:models")
    if request.method == "POST":
        try:
            run = services.rerun(organisation=access.organisation, by=request.user)
        except ValidationError as exc:
            return _confirm(
                request,
                title="Re-run the model",
                message="",
                button="Re-run it",
                cancel_url=cancel,
                error=" ".join(exc.messages),
            )
        return redirect(reverse("task_run", args=[run.pk]))
    return _confirm(
        request,
        title="Re-run the active model on every comment?",
        message="Every comment of your organisation is classified again. Themes a person accepted, rejected or "
        "added, and sentiments a person corrected, are kept; the model's undecided suggestions are replaced.",
        button="Yes, re-run it",
        cancel_url=cancel,
    )


def model_retrain(request):
    access = request.access
    access.require(Action.MANAGE)
    cancel = reverse("insight:models")
    title = "Retrain the model with your corrections?"
    message = (
        "A new model is trained from the active one and your organisation's reviewed comments. You will see its "
        "figures beside the current model's on the same held-out comments, and choose whether to activate it."
    )
    if request.method == "POST":
        try:
            run = services.start_retrain(organisation=access.organisation, by=request.user)
        except ValidationError as exc:
            return _confirm(
                request, title=title, message=message, button="Retrain", cancel_url=cancel, error=" ".join(exc.messages)
            )
        return redirect(reverse("task_run", args=[run.pk]))
    return _confirm(request, title=title, message=message, button="Yes, retrain", cancel_url=cancel)


# Safeguarding


def _require_safeguarding(access):
    if not insight_access.can_handle_safeguarding(access):
        raise PermissionDenied


def safeguarding_queue(request):
    access = request.access
    _require_safeguarding(access)
    is_open = Case(When(state=SafeguardingFlag.State.OPEN, then=Value(0)), default=Value(1))
    rows = insight_access.flags_for(access).select_related("comment", "handled_by")
    # Open flags first, oldest first (the longest waiting); then handled ones, latest first.
    page = paginate(request, rows.order_by(is_open, "raised_at", "pk"), per_page=PAGE_SIZE)
    return render(
        request,
        "insight/safeguarding/queue.html",
        _context(request, page=page, can_manage=access.can_change(access.organisation.pk, Action.MANAGE)),
    )


def flag_detail(request, pk):
    access = request.access
    flag = insight_access.get_flag_for_user(access, pk)
    form = HandleFlagForm(posted(request), flag=flag, seen=services.flag_seen_token(flag))
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                services.handle_flag(
                    by=request.user,
                    flag=flag,
                    state=form.cleaned_data["state"],
                    reason=form.cleaned_data["reason"],
                    seen=form.cleaned_data["seen"],
                )
            except RecordGone:  # deleted while the person reviewed it: say so, and show what they chose
                return render(request, "core/record_gone.html", {"typed": typed_values(form)}, status=404)
            except services.ChangedMeanwhile:
                messages.error(
                    request,
                    "Someone else recorded how this concern was handled after you opened it, so nothing was saved.",
                )
                return redirect(reverse("insight:flag", args=[flag.pk]))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "How the concern was handled has been recorded.")
                return redirect(reverse("insight:safeguarding"))
        status = INVALID
    return render(
        request,
        "insight/safeguarding/flag.html",
        _context(request, flag=flag, comment=flag.comment, form=form, reasons=flag.reasons.splitlines()),
        status=status,
    )


def reviewers(request):
    access = request.access
    access.require(Action.MANAGE)
    organisation = access.organisation
    current = list(SafeguardingReviewer.objects.filter(organisation=organisation).select_related("user"))
    taken = {r.user_id for r in current}
    members = [
        m.user
        for m in Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__email")
        if m.user_id not in taken
    ]
    form = AddReviewerForm(posted(request), members=members)
    status = 200
    if form.is_bound:
        if form.is_valid() and form.chosen() is not None:
            try:
                services.add_reviewer(by=request.user, organisation=organisation, user=form.chosen())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{form.chosen().email} is now a safeguarding reviewer.")
                return redirect(reverse("insight:reviewers"))
        status = INVALID
    return render(
        request, "insight/safeguarding/reviewers.html", _context(request, reviewers=current, form=form), status=status
    )


def reviewer_remove(request, pk):
    reviewer = insight_access.get_reviewer_for_user(request.access, pk)
    if request.method == "POST":
        services.remove_reviewer(by=request.user, reviewer=reviewer)
        messages.success(request, f"{reviewer.user.email} is no longer a safeguarding reviewer.")
        return redirect(reverse("insight:reviewers"))
    return _confirm(
        request,
        title=f"Remove {reviewer.user.email} as a safeguarding reviewer?",
        message="They will no longer be emailed when a comment is flagged, nor (unless their role allows it) see "
        "the safeguarding queue.",
        button="Yes, remove them",
        cancel_url=reverse("insight:reviewers"),
        warning=True,
    )
