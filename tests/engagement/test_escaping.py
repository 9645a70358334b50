"""Text people type is shown as text: every text field, on lists, detail pages and timelines."""

import pytest
from django.db import models
from django.urls import reverse
from markupsafe import escape

from involve.engagement.models import (
    Activity,
    Decision,
    Evidence,
    ImprovementObjective,
    Milestone,
    Programme,
    TermsOfEngagement,
    VCSEPartner,
)

from .factories import days, make_tag

pytestmark = pytest.mark.django_db

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
RAW = ["<script>alert(1)", "<img src=x onerror"]
ESCAPED = ["&lt;script&gt;alert(1)&lt;/script&gt;", "&gt;&lt;img src=x onerror=alert(1)&gt;"]


def _text_fields(model, payload, skip=()):
    """Every free-text field of the model, filled with the payload (made unique per field)."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.name in skip or field.choices or not isinstance(field, models.CharField | models.TextField):
            continue
        if isinstance(field, models.EmailField | models.URLField):
            continue
        limit = field.max_length or 10_000
        values[field.name] = f"{field.name[:3]}{payload}"[:limit]
    return values


@pytest.fixture(params=range(len(PAYLOADS)), ids=["script", "attribute"])
def hostile(request, cast):
    payload = PAYLOADS[request.param]
    org = cast.org_a
    programme = Programme.objects.create(organisation=org, **_text_fields(Programme, payload))
    objective = ImprovementObjective.objects.create(
        organisation=org,
        programme=programme,
        target_date=days(10),
        **_text_fields(ImprovementObjective, payload),
    )
    Milestone.objects.create(
        organisation=org, objective=objective, due_date=days(5), **_text_fields(Milestone, payload)
    )
    decision = Decision.objects.create(
        organisation=org,
        programme=programme,
        kind="service_change",
        actual_date=days(-5),
        duty_status="feedback_given",
        affects_services="yes",
        scrutiny_consulted_on=days(-20),
        **_text_fields(Decision, payload),
    )
    decision.plan_audiences.add(make_tag(org, f"tag{payload}"))
    partner = VCSEPartner.objects.create(organisation=org, **_text_fields(VCSEPartner, payload))
    TermsOfEngagement.objects.create(
        organisation=org, partner=partner, agreed_on=days(-50), **_text_fields(TermsOfEngagement, payload)
    )
    activity = Activity.objects.create(
        organisation=org,
        programme=programme,
        method="workshop",
        ladder_level="involve",
        starts_on=days(-30),
        state="done",
        feedback_given_on=days(-1),
        **_text_fields(Activity, payload),
    )
    activity.decisions.add(decision)
    activity.partners.add(partner)
    activity.audiences_reached.add(make_tag(org, f"reached{payload}"))
    skip = ("kind", "sha256", "content_type", "file")
    Evidence.objects.create(
        organisation=org,
        decision=decision,
        kind="file",
        dated=days(-8),
        size=10,
        **_text_fields(Evidence, payload, skip),
    )
    return {
        "payload": payload,
        "decision": decision,
        "activity": activity,
        "programme": programme,
        "partner": partner,
    }


def _pages(h):
    return [
        reverse("engagement:decision_list"),
        reverse("engagement:activity_list"),
        reverse("engagement:programme_list"),
        reverse("engagement:partner_list"),
        reverse("engagement:audience_list"),
        reverse("engagement:decision_detail", args=[h["decision"].pk]),
        reverse("engagement:activity_detail", args=[h["activity"].pk]),
        reverse("engagement:programme_detail", args=[h["programme"].pk]),
        reverse("engagement:partner_detail", args=[h["partner"].pk]),
        reverse("engagement:decision_timeline", args=[h["decision"].pk]),
        reverse("engagement:programme_timeline", args=[h["programme"].pk]),
        reverse("engagement:decision_edit", args=[h["decision"].pk]),
        reverse("engagement:decision_screen", args=[h["decision"].pk]),
        reverse("engagement:activity_edit", args=[h["activity"].pk]),
        reverse("engagement:activity_feedback", args=[h["activity"].pk]),
        reverse("engagement:decision_delete", args=[h["decision"].pk]),
    ]


def test_payloads_are_escaped_everywhere(cast, client_for, hostile, scorecard):
    client = client_for(cast.a_administrator)
    escaped = ESCAPED[PAYLOADS.index(hostile["payload"])]
    pages = {url: client.get(url).content.decode() for url in _pages(hostile)}
    unescaped = [(url, raw) for url, html in pages.items() for raw in RAW if raw in html]
    scorecard.add(scorecard.UNESCAPED, found=len(unescaped), checked=len(pages) * len(RAW))
    assert unescaped == []
    assert [url for url, html in pages.items() if escaped not in html] == []


def test_every_text_field_is_shown_somewhere(cast, client_for, hostile):
    # Each field's value starts with its own prefix, so this proves each one was rendered (escaped).
    client = client_for(cast.a_administrator)
    html = "".join(client.get(url).content.decode() for url in _pages(hostile))
    shown_as_text = {
        "Programme": Programme,
        "Decision": Decision,
        "Activity": Activity,
        "VCSEPartner": VCSEPartner,
        "TermsOfEngagement": TermsOfEngagement,
        "ImprovementObjective": ImprovementObjective,
        "Milestone": Milestone,
        "Evidence": Evidence,
    }
    missing = []
    for label, model in shown_as_text.items():
        skip = ("kind", "sha256", "content_type", "file") if model is Evidence else ()
        for name, value in _text_fields(model, hostile["payload"], skip).items():
            if str(escape(value)) not in html:
                missing.append(f"{label}.{name}")
    assert not missing


def test_search_terms_are_escaped_when_shown_back(cast, client_for):
    html = client_for(cast.a_viewer).get(reverse("engagement:decision_list"), {"q": PAYLOADS[1]}).content.decode()
    assert "<img src=x onerror" not in html
