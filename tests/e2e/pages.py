"""Every page Involve serves, found by walking the URL resolver, so a page added later is visited too.

A URL pattern without parameters is visited as it is. A pattern with parameters (`<int:pk>`,
`<uuid:pk>`, allauth's keys) needs an entry in OBJECTS: its URL name, mapped to a function that
takes the test `world` (tests/e2e/conftest.py) and returns the URL's kwargs for a real object;
`w.me` is the person walking. The function may create the object itself, e.g.

    "engagement:detail": lambda w: {"pk": EngagementFactory(organisation=w.org_a).pk},

A pattern that cannot be filled fails the browser tests by name, so no page is left unchecked.
"""

import types

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from ..consultations import spec as consultations_spec
from ..engagement import factories as eng
from ..insight import spec as insight_spec


def _engagement(w):
    """One of every engagement record in org_a, made on first use in each test."""
    if not hasattr(w, "engagement"):
        org = w.org_a
        programme = eng.make_programme(org)
        objective = eng.make_objective(programme)
        decision = eng.make_decision(org, programme=programme)
        activity = eng.make_activity(org, programme=programme, decisions=[decision])
        partner = eng.make_partner(org)
        activity.partners.add(partner)
        w.engagement = types.SimpleNamespace(
            programme=programme,
            objective=objective,
            milestone=eng.make_milestone(objective),
            decision=decision,
            activity=activity,
            partner=partner,
            terms=eng.make_terms(partner),
            tag=eng.make_tag(org),
            link=eng.make_evidence(decision),
            file=eng.make_file_evidence(activity, original_name="notes.pdf"),
        )
    return w.engagement


def _pk(record):
    return lambda w: {"pk": getattr(_engagement(w), record).pk}


def _own_email_address(w):
    address, _ = EmailAddress.objects.get_or_create(
        user=w.me, email=w.me.email, defaults={"primary": True, "verified": True}
    )
    return address


OBJECTS = {
    "task_run": lambda w: {"pk": w.task_run.pk},
    "task_run_download": lambda w: {"pk": w.task_run.pk},
    "organisations:detail": lambda w: {"pk": w.org_a.pk},
    "organisations:edit": lambda w: {"pk": w.org_a.pk},
    "organisations:add_child": lambda w: {"pk": w.org_a.pk},
    "organisations:member_edit": lambda w: {"pk": w.membership.pk},
    "organisations:member_remove": lambda w: {"pk": w.membership.pk},
    # Links for the walking person's own account: allauth signs you out for someone else's.
    "account_confirm_email": lambda w: {"key": EmailConfirmationHMAC(_own_email_address(w)).key},
    "account_reset_password_from_key": lambda w: {
        "uidb36": user_pk_to_url_str(w.me),
        "key": default_token_generator.make_token(w.me),
    },
}

# Engagement pages: the record from _engagement() each URL name takes.
ENGAGEMENT_PAGES = {
    "decision": [
        "decision_detail",
        "decision_edit",
        "decision_screen",
        "decision_delete",
        "decision_timeline",
        "evidence_add_file_decision",
        "evidence_add_link_decision",
        "cover_sheet",
        "cover_sheet_pdf",
        "cover_sheet_docx",
        "cover_sheet_details",
    ],
    "activity": [
        "activity_detail",
        "activity_edit",
        "activity_feedback",
        "activity_delete",
        "evidence_add_file_activity",
        "evidence_add_link_activity",
    ],
    "programme": ["programme_detail", "programme_edit", "programme_delete", "programme_timeline", "objective_add"],
    "objective": ["objective_edit", "objective_delete", "milestone_add"],
    "milestone": ["milestone_edit", "milestone_delete"],
    "partner": ["partner_detail", "partner_edit", "partner_delete", "terms_add"],
    "terms": ["terms_edit", "terms_delete"],
    "tag": ["audience_edit"],
    "link": ["evidence_remove"],
    "file": ["evidence_download"],
}
for _record, _names in ENGAGEMENT_PAGES.items():
    OBJECTS.update({f"engagement:{name}": _pk(_record) for name in _names})
for _register in ("decision", "activity", "programme", "partner"):
    OBJECTS[f"engagement:{_register}_export"] = lambda w: {"fmt": "csv"}
# Consultations, public pages and equality: declared by each part (tests/consultations/spec.py).
OBJECTS.update(consultations_spec.OBJECTS)
OBJECTS.update(insight_spec.OBJECTS)


def url_patterns():
    """(name, route, parameter names) for every URL pattern, through includes and namespaces."""

    def walk(patterns, prefix, namespace, params):
        for p in patterns:
            here = params | set(p.pattern.regex.groupindex)
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace or namespace
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns, here)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                yield name, prefix + str(p.pattern), here

    return list(walk(get_resolver().url_patterns, "", None, set()))


def urls_to_visit(world, me):
    """([(name, url, filled)], [problems]): a URL for every pattern as `me` sees it, and the patterns
    that have none."""
    world.me = me
    urls, problems = [], []
    names = set()
    for name, route, params in url_patterns():
        names.add(name)
        if name is None:
            problems.append(f"URL pattern {route!r} has no name, so the browser tests cannot visit it")
        elif not params:
            urls.append((name, reverse(name), False))
        elif name in OBJECTS:
            urls.append((name, reverse(name, kwargs=OBJECTS[name](world)), True))
        else:
            problems.append(
                f"URL pattern {name!r} ({route}) takes {sorted(params)}: add it to OBJECTS in tests/e2e/pages.py"
            )
    problems += [
        f"OBJECTS names {name!r}, which is no longer a URL pattern: remove it" for name in OBJECTS.keys() - names
    ]
    return urls, problems
