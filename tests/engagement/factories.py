"""Engagement records for tests, made straight through the ORM (services are tested on their own)."""

import datetime
import hashlib

from involve.core.dates import today
from involve.engagement.models import (
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
from involve.engagement.services import refresh_involvement

TODAY = today()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def make_programme(organisation, name="Maternity", **fields):
    return Programme.objects.create(organisation=organisation, name=name, **fields)


def make_objective(programme, title="Halve waiting times", **fields):
    return ImprovementObjective.objects.create(
        organisation=programme.organisation, programme=programme, title=title, **fields
    )


def make_milestone(objective, title="Pilot in two wards", due_date=None, **fields):
    return Milestone.objects.create(
        organisation=objective.organisation,
        objective=objective,
        title=title,
        due_date=due_date or days(30),
        **fields,
    )


def make_decision(organisation, title="Close the birth centre", **fields):
    fields.setdefault("kind", Decision.Kind.SERVICE_CHANGE)
    return Decision.objects.create(organisation=organisation, title=title, **fields)


def state_for(starts_on, ends_on=None):
    """The state a real activity with these dates would be in (as migration 0006 sets it)."""
    if starts_on > TODAY:
        return Activity.State.PLANNED
    return Activity.State.DONE if (ends_on or starts_on) < TODAY else Activity.State.TAKING_PLACE


def make_activity(organisation, title="Listening event", decisions=(), **fields):
    fields.setdefault("method", "workshop")
    fields.setdefault("ladder_level", "involve")
    fields.setdefault("starts_on", days(-30))
    fields.setdefault("state", state_for(fields["starts_on"], fields.get("ends_on")))
    activity = Activity.objects.create(organisation=organisation, title=title, **fields)
    activity.decisions.set(decisions)
    refresh_involvement(d.pk for d in decisions)  # as the services do
    return activity


def make_evidence(owner, title="Notes of the meeting", dated=None, **fields):
    fields.setdefault("kind", Evidence.Kind.LINK)
    fields.setdefault("url", "https://example.org/notes")
    key = "decision" if isinstance(owner, Decision) else "activity"
    evidence = Evidence.objects.create(
        organisation=owner.organisation, title=title, dated=dated or days(-20), **{key: owner}, **fields
    )
    refresh_involvement([owner.pk] if key == "decision" else owner.decisions.values_list("pk", flat=True))
    return evidence


PDF = b"%PDF-1.4\n%%EOF\n"


def make_file_evidence(owner, title="Notes of the meeting", **fields):
    """Evidence that is a small stored PDF, as the upload service would leave it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    return make_evidence(
        owner,
        title=title,
        kind=Evidence.Kind.FILE,
        url="",
        original_name=fields.pop("original_name", "notes.pdf"),
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        file=default_storage.save("evidence/notes.pdf", ContentFile(PDF)),
        **fields,
    )


def make_partner(organisation, name="Healthwatch Alpha", **fields):
    return VCSEPartner.objects.create(organisation=organisation, name=name, **fields)


def make_terms(partner, version="1", agreed_on=None, **fields):
    return TermsOfEngagement.objects.create(
        organisation=partner.organisation,
        partner=partner,
        version=version,
        agreed_on=agreed_on or days(-100),
        **fields,
    )


def make_tag(organisation, name="Kinship carers", **fields):
    return AudienceTag.objects.create(organisation=organisation, name=name, **fields)
