"""The audit log is append-only, so erasure cannot reach it: free text classified personal (what
members of the public said, their roles) is recorded as changed, never copied into it."""

from involve.audit.models import AuditEvent
from involve.audit.services import NOT_STORED, not_stored
from involve.engagement import services
from involve.engagement.models import Activity, BoardPaper

from .factories import make_activity


def test_personal_free_text_is_recorded_as_changed_but_not_copied(cast):
    activity = make_activity(cast.org_a, title="Listening event")
    services.activity_update(
        by=cast.a_contributor, activity=activity, public_partner_roles="Mrs Patel, carer of her son", title="Renamed"
    )
    event = AuditEvent.objects.get(action="activity.update")
    assert event.new["public_partner_roles"] == NOT_STORED and event.old["public_partner_roles"] == NOT_STORED
    assert event.new["title"] == "Renamed"  # staff's words about the work are kept
    assert "Patel" not in str(event.old) + str(event.new)


def test_the_fields_kept_out_come_from_the_classification():
    assert "public_partner_roles" in not_stored(Activity) and "title" not in not_stored(Activity)
    assert "what_people_said" in not_stored(BoardPaper) and "recommendation" not in not_stored(BoardPaper)
