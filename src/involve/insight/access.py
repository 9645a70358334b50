"""One access helper per insight object type. Every view goes through these.

Comments and model versions follow organisations.access.get_for_user: another organisation's is a
404; one the person may read but not change (a region reading an ICB's comments) is a 403 for changes.
Safeguarding flags are stricter: only members with MANAGE in the comment's own organisation, or the
organisation's named safeguarding reviewers, may read or handle them; everyone else who could see the
comment gets a 403, and anyone outside the organisation a 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from involve.organisations.access import get_for_user
from involve.organisations.permissions import Action

from .models import Comment, ModelVersion, SafeguardingFlag, SafeguardingReviewer


def get_comment_for_user(access, pk, *, action=Action.VIEW) -> Comment:
    queryset = Comment.objects.select_related("organisation", "consultation", "model_version", "programme")
    return get_for_user(queryset, access, action=action, pk=pk)


def is_safeguarding_reviewer(access, organisation_id) -> bool:
    if access.organisation is None or access.organisation.pk != organisation_id:
        return False
    return SafeguardingReviewer.objects.filter(organisation_id=organisation_id, user=access.user).exists()


def can_handle_safeguarding(access, organisation_id=None) -> bool:
    """Members with MANAGE in the organisation itself, and its named safeguarding reviewers."""
    if access.organisation is None:
        return False
    organisation_id = organisation_id or access.organisation.pk
    return access.can_change(organisation_id, Action.MANAGE) or is_safeguarding_reviewer(access, organisation_id)


def get_flag_for_user(access, pk) -> SafeguardingFlag:
    queryset = SafeguardingFlag.objects.select_related("comment__organisation", "comment__consultation", "handled_by")
    try:
        flag = access.scope(queryset, "comment__organisation").get(pk=pk)
    except (SafeguardingFlag.DoesNotExist, ValueError):
        raise Http404 from None
    if not can_handle_safeguarding(access, flag.comment.organisation_id):
        raise PermissionDenied
    return flag


def model_versions_for(access):
    """The shipped versions and those of the organisations the person may read."""
    if access.organisation is None:
        return ModelVersion.objects.none()
    return ModelVersion.objects.filter(
        Q(organisation__isnull=True) | Q(pk__in=access.scope(ModelVersion.objects.all()).values("pk"))
    )


def get_model_version_for_user(access, pk, *, action=Action.VIEW) -> ModelVersion:
    """A shipped version or one of a readable organisation's; changing (activating) needs `action` in the
    person's own organisation, and a version that is shipped or the organisation's own."""
    try:
        version = model_versions_for(access).select_related("framework").get(pk=pk)
    except (ModelVersion.DoesNotExist, ValueError):
        raise Http404 from None
    if not access.can(Action.VIEW):
        raise PermissionDenied
    if action != Action.VIEW:
        own = version.organisation_id in (None, access.organisation.pk)
        if not own or not access.can_change(access.organisation.pk, action):
            raise PermissionDenied
    return version


def get_reviewer_for_user(access, pk) -> SafeguardingReviewer:
    queryset = SafeguardingReviewer.objects.select_related("user", "organisation")
    return get_for_user(queryset, access, action=Action.MANAGE, pk=pk)


# Scoped reads of this part (the queue and the flags), each taking the access scope.


def review_queue(
    access,
    *,
    state="unreviewed",
    consultation=None,
    source="",
    sentiment="",
    theme=None,
    received_from=None,
    received_to=None,
    search="",
):
    """The comments the person may read, least certain first (those never classified last), filtered."""
    from django.db.models import F

    rows = access.scope(Comment.objects.all())
    if state in Comment.Review.values:
        rows = rows.filter(review=state)
    if consultation:
        rows = rows.filter(consultation_id=consultation)
    if source:
        rows = rows.filter(source=source)
    if sentiment:
        rows = rows.filter(sentiment3=sentiment)
    if theme:
        from .models import Label

        applies = Q(decision=Label.Decision.ACCEPTED) | Q(decision="", source=Label.Source.MODEL)
        rows = rows.filter(pk__in=Label.objects.filter(applies, theme_id=theme).values("comment_id"))
    if received_from:
        rows = rows.filter(received_at__date__gte=received_from)
    if received_to:
        rows = rows.filter(received_at__date__lte=received_to)
    if search:
        rows = rows.filter(masked_text__icontains=search)
    return rows.order_by(F("certainty").asc(nulls_last=True), "received_at", "pk")


def open_flags(access):
    """Open flags the person may handle (none for anyone else)."""
    if not can_handle_safeguarding(access):
        return SafeguardingFlag.objects.none()
    return SafeguardingFlag.objects.filter(comment__organisation=access.organisation, state=SafeguardingFlag.State.OPEN)


def flags_for(access):
    if not can_handle_safeguarding(access):
        return SafeguardingFlag.objects.none()
    return SafeguardingFlag.objects.filter(comment__organisation=access.organisation)


def open_flag_count(access) -> int:
    """For the urgent banner on the insight pages (0 for people who may not handle flags)."""
    return open_flags(access).count() if access else 0
