"""The national audience tags and the organisation's own."""

from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse

from involve.core.pages import form_view, posted
from involve.organisations.permissions import Action

from .. import services
from ..access import get_audience_tag_for_user
from ..forms import AudienceTagForm
from ..models import AudienceTag


def audience_list(request):
    access = request.access
    access.require(Action.VIEW)
    tags = AudienceTag.objects.filter(Q(organisation=None) | Q(organisation=access.organisation))
    return render(
        request,
        "engagement/audience_list.html",
        {
            "section": "activities",
            "national": [t for t in tags if t.organisation_id is None],
            "own": [t for t in tags if t.organisation_id is not None],
            "can_manage": access.can(Action.MANAGE),
        },
    )


def audience_add(request):
    access = request.access
    access.require(Action.MANAGE)
    form = AudienceTagForm(posted(request), organisation=access.organisation)
    url = reverse("engagement:audience_list")
    return form_view(
        request,
        form,
        lambda: services.audience_tag_create(by=request.user, organisation=access.organisation, **form.changes()),
        success="The audience has been added.",
        next_url=lambda obj: url,
        title="Add an audience",
        section="activities",
        cancel_url=url,
        intro="Audiences are the groups activities aim to reach. The national list includes "
        "the inclusion health groups; add groups that matter locally.",
    )


def audience_edit(request, pk):
    tag = get_audience_tag_for_user(request.access, pk, action=Action.MANAGE)
    form = AudienceTagForm(posted(request), instance=tag, organisation=tag.organisation)
    url = reverse("engagement:audience_list")
    return form_view(
        request,
        form,
        lambda: services.audience_tag_update(by=request.user, tag=tag, revision=form.revision, **form.changes()),
        success="The audience has been saved.",
        next_url=lambda obj: url,
        title="Change the audience",
        caption=tag.name,
        section="activities",
        cancel_url=url,
    )
