"""One access helper per engagement object type. Every view, export and download goes through these.

Each is a thin call to organisations.access.get_for_user: another organisation's object is a 404,
and an object the person may read but not change (a region reading an ICB's records) is a 403.
"""

from django.db.models import Exists, OuterRef, Q

from involve.organisations.access import get_for_user
from involve.organisations.permissions import Action

from . import selectors
from .models import (
    Activity,
    AudienceTag,
    Decision,
    Evidence,
    ImprovementObjective,
    Milestone,
    Programme,
    TermsOfEngagement,
    VCSEPartner,
)


def get_programme_for_user(access, pk, *, action=Action.VIEW) -> Programme:
    return get_for_user(Programme.objects.select_related("organisation"), access, action=action, pk=pk)


def get_objective_for_user(access, pk, *, action=Action.VIEW) -> ImprovementObjective:
    queryset = ImprovementObjective.objects.select_related("organisation", "programme", "owner")
    return get_for_user(queryset, access, action=action, pk=pk)


def get_milestone_for_user(access, pk, *, action=Action.VIEW) -> Milestone:
    queryset = Milestone.objects.select_related("organisation", "objective__programme")
    return get_for_user(queryset, access, action=action, pk=pk)


def affects(access, decision_ref="pk"):
    """EXISTS: the decision at `decision_ref` names the person's organisation among those it affects."""
    through = Decision.affected_organisations.through.objects.order_by()
    return Exists(through.filter(decision_id=OuterRef(decision_ref), organisation_id=access.organisation.pk))


def readable_decisions(access, queryset):
    """Decisions of the person's subtree, and decisions of others that affect their organisation."""
    if access.organisation is None:
        return queryset.none()
    return queryset.filter(Q(pk__in=access.scope(Decision.objects.all()).values("pk")) | affects(access))


def readable_activities(access, queryset):
    """Activities of the person's subtree, and those that informed a decision affecting their organisation."""
    if access.organisation is None:
        return queryset.none()
    informed = Activity.decisions.through.objects.order_by().filter(activity_id=OuterRef("pk"))
    informed_affecting = Exists(informed.filter(affects(access, "decision_id")))
    return queryset.filter(Q(pk__in=access.scope(Activity.objects.all()).values("pk")) | informed_affecting)


def get_decision_for_user(access, pk, *, action=Action.VIEW) -> Decision:
    """The decision with its warnings annotated (decision.warnings)."""
    queryset = Decision.objects.select_related("organisation", "programme", "screened_by")
    queryset = selectors.with_warnings(queryset)
    return get_for_user(queryset, access, action=action, readable=readable_decisions(access, queryset), pk=pk)


def get_activity_for_user(access, pk, *, action=Action.VIEW) -> Activity:
    queryset = Activity.objects.select_related("organisation", "programme")
    return get_for_user(queryset, access, action=action, readable=readable_activities(access, queryset), pk=pk)


def get_evidence_for_user(access, pk, *, action=Action.VIEW) -> Evidence:
    """Evidence of a readable decision or activity (so the organisations a decision affects can open
    what its cover sheet lists)."""
    queryset = Evidence.objects.select_related("organisation", "decision", "activity")
    if access.organisation is None:
        return get_for_user(queryset, access, action=action, pk=pk)
    readable = queryset.filter(
        Q(pk__in=access.scope(Evidence.objects.all()).values("pk"))
        | Q(decision__in=readable_decisions(access, Decision.objects.all()).values("pk"))
        | Q(activity__in=readable_activities(access, Activity.objects.all()).values("pk"))
    )
    return get_for_user(queryset, access, action=action, readable=readable, pk=pk)


def get_partner_for_user(access, pk, *, action=Action.VIEW) -> VCSEPartner:
    return get_for_user(VCSEPartner.objects.select_related("organisation"), access, action=action, pk=pk)


def get_terms_for_user(access, pk, *, action=Action.VIEW) -> TermsOfEngagement:
    queryset = TermsOfEngagement.objects.select_related("organisation", "partner")
    return get_for_user(queryset, access, action=action, pk=pk)


def get_audience_tag_for_user(access, pk, *, action=Action.VIEW) -> AudienceTag:
    # Only an organisation's own tags: the national defaults (no organisation) are never changed here.
    return get_for_user(AudienceTag.objects.select_related("organisation"), access, action=action, pk=pk)
