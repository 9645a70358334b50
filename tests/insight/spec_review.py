"""The review part's declarations for the project-wide tests (see spec.py): the review queue and
corrections, analysis runs, model versions (re-run, retrain, activate) and safeguarding."""

import types

from involve.organisations.permissions import Action

from ..matrix import CREATE, LIST, OBJECT

_I = "insight:"

# (url name, record from the `review` fixture (tests/insight/conftest.py), action, kind).
ROWS = [
    (f"{_I}{name}", needs, action, kind)
    for name, needs, action, kind in [
        ("review_queue", None, Action.VIEW, LIST),
        ("comment", "comment", Action.VIEW, OBJECT),
        ("runs", None, Action.VIEW, LIST),
        ("classify_missed", None, Action.EDIT, CREATE),
        ("models", None, Action.VIEW, LIST),
        ("model", "model_version", Action.VIEW, OBJECT),
        ("model_activate", "model_version", Action.MANAGE, OBJECT),
        ("model_rerun", None, Action.MANAGE, CREATE),
        ("model_retrain", None, Action.MANAGE, CREATE),
        # Members with MANAGE in the organisation itself (and its named reviewers, who are not in the cast).
        ("safeguarding", None, Action.MANAGE, CREATE),
        ("flag", "flag", Action.MANAGE, OBJECT),
        ("reviewers", None, Action.MANAGE, CREATE),
        ("reviewer_remove", "reviewer", Action.MANAGE, OBJECT),
    ]
]
EXEMPT = {}


def records_for(w):
    """One of every review record in org_a, made on first use (as the `review` fixture)."""
    if not hasattr(w, "insight_review"):
        from involve.organisations.models import Role

        from ..factories import make_member
        from .factories import make_comment, make_flag, make_label, make_model_version, make_reviewer

        org = w.org_a
        comment = make_comment(org, text="The car park is full every day", certainty=0.4, sentiment3="negative")
        make_label(comment)
        w.insight_review = types.SimpleNamespace(
            comment=comment,
            flag=make_flag(make_comment(org, text="Walk: a comment that was flagged")),
            model_version=make_model_version(org, version="walk-1", metrics_before={"micro_f1": 0.7}),
            reviewer=make_reviewer(org, make_member(org, Role.VIEWER, email="walk.reviewer@example.nhs.uk")),
        )
    return w.insight_review


def _pk(record):
    return lambda w: {"pk": getattr(records_for(w), record).pk}


OBJECTS = {
    f"{_I}comment": _pk("comment"),
    f"{_I}model": _pk("model_version"),
    f"{_I}model_activate": _pk("model_version"),
    f"{_I}flag": _pk("flag"),
    f"{_I}reviewer_remove": _pk("reviewer"),
}
FORMS = {
    f"{_I}comment": "edit",
    # Recording how a flag was handled, and adding a reviewer, add a record of a decision each.
    f"{_I}flag": "add",
    f"{_I}reviewers": "add",
}
FORM_EXEMPT = {}
PUBLIC = set()
