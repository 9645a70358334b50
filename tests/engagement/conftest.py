import types

import pytest

from .factories import (
    make_activity,
    make_decision,
    make_evidence,
    make_milestone,
    make_objective,
    make_partner,
    make_programme,
    make_tag,
    make_terms,
)


@pytest.fixture
def records(cast):
    """One of every engagement record in org_a (and a programme in org_b, for cross-organisation forms)."""
    org = cast.org_a
    programme = make_programme(org, "Maternity")
    objective = make_objective(programme)
    milestone = make_milestone(objective)
    decision = make_decision(org, programme=programme)
    partner = make_partner(org)
    terms = make_terms(partner)
    tag = make_tag(org)
    activity = make_activity(org, programme=programme, decisions=[decision])
    activity.partners.add(partner)
    evidence = make_evidence(decision)
    return types.SimpleNamespace(
        programme=programme,
        objective=objective,
        milestone=milestone,
        decision=decision,
        partner=partner,
        terms=terms,
        tag=tag,
        activity=activity,
        evidence=evidence,
        b_programme=make_programme(cast.org_b, "Beta cancer"),
    )
