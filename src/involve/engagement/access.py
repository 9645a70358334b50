"""One access helper per engagement object type. Every view, export and download goes through these.

Each is a thin call to organisations.access.get_for_user: another organisation's object is a 404,
and an object the person may read but not change (a region reading an ICB's records) is a 403.
"""

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


def get_decision_for_user(access, pk, *, action=Action.VIEW) -> Decision:
    """The decision with its warnings annotated (decision.warnings)."""
    queryset = Decision.objects.select_related("organisation", "programme", "screened_by")
    queryset = selectors.with_warnings(queryset)
    return get_for_user(queryset, access, action=action, pk=pk)


def get_activity_for_user(access, pk, *, action=Action.VIEW) -> Activity:
    queryset = Activity.objects.select_related("organisation", "programme")
    return get_for_user(queryset, access, action=action, pk=pk)


def get_evidence_for_user(access, pk, *, action=Action.VIEW) -> Evidence:
    queryset = Evidence.objects.select_related("organisation", "decision", "activity")
    return get_for_user(queryset, access, action=action, pk=pk)


def get_partner_for_user(access, pk, *, action=Action.VIEW) -> VCSEPartner:
    return get_for_user(VCSEPartner.objects.select_related("organisation"), access, action=action, pk=pk)


def get_terms_for_user(access, pk, *, action=Action.VIEW) -> TermsOfEngagement:
    queryset = TermsOfEngagement.objects.select_related("organisation", "partner")
    return get_for_user(queryset, access, action=action, pk=pk)


def get_audience_tag_for_user(access, pk, *, action=Action.VIEW) -> AudienceTag:
    # Only an organisation's own tags: the national defaults (no organisation) are never changed here.
    return get_for_user(AudienceTag.objects.select_related("organisation"), access, action=action, pk=pk)
