"""The engagement record's audit actions, each with the phrase the audit log reads
("Ellen Morris changed the screening of ‘Hubs’"), and where its records are shown."""

from involve.audit.registry import register_actions, register_field_labels, register_link, register_value_labels

from .models import Method

register_actions(
    {
        "programme.create": "added the programme",
        "programme.update": "changed the programme",
        "programme.delete": "deleted the programme",
        "objective.create": "added the improvement objective",
        "objective.update": "changed the improvement objective",
        "objective.delete": "deleted the improvement objective",
        "milestone.create": "added the milestone",
        "milestone.update": "changed the milestone",
        "milestone.delete": "deleted the milestone",
        "decision.create": "added the decision",
        "decision.update": "changed the decision",
        "decision.screen": "changed the screening of",
        "decision.delete": "deleted the decision",
        # Written by the system (no person) when a change to activities or evidence takes away the support
        # for a decision's status: the log says so rather than the status quietly overstating the record.
        "decision.status_corrected": "stepped back the status of",
        "board_paper.create": "added the board paper details of",
        "board_paper.update": "changed the board paper details of",
        "activity.create": "added the activity",
        "activity.update": "changed the activity",
        "activity.feedback": "recorded the feedback given for",
        "activity.delete": "deleted the activity",
        "partner.create": "added the partner",
        "partner.update": "changed the partner",
        "partner.delete": "deleted the partner",
        "terms.create": "added the terms of engagement",
        "terms.update": "changed the terms of engagement",
        "terms.delete": "deleted the terms of engagement",
        "audience_tag.create": "added the audience",
        "audience_tag.update": "changed the audience",
        "evidence.upload": "uploaded the evidence",
        "evidence.add_link": "added the evidence link",
        "evidence.download": "downloaded the evidence",
        "evidence.delete": "deleted the evidence",
    }
)

# Where each kind of record is shown (objectives, milestones and terms on the page they belong to).
register_link("engagement.programme", "engagement:programme_detail")
register_link("engagement.boardpaper", "engagement:cover_sheet", via="decision_id")
register_link("engagement.improvementobjective", "engagement:programme_detail", via="programme_id")
register_link("engagement.milestone", "engagement:programme_detail", via="objective__programme_id")
register_link("engagement.decision", "engagement:decision_detail")
register_link("engagement.activity", "engagement:activity_detail")
register_link("engagement.vcsepartner", "engagement:partner_detail")
register_link("engagement.termsofengagement", "engagement:partner_detail", via="partner_id")

register_value_labels("engagement.decision", "plan_methods", Method)
register_field_labels(
    "engagement.decision",
    {
        "duties": "legal duties that apply",
        "plan_audiences": "audiences the plan aims to reach",
        "plan_methods": "planned methods",
        "programme": "programme",
    },
)
register_field_labels(
    "engagement.activity",
    {
        "decisions": "decisions it informs",
        "partners": "VCSE partners",
        "audiences_targeted": "audiences it aimed to reach",
        "audiences_reached": "audiences it reached",
    },
)
register_field_labels(
    "engagement.evidence",
    {
        "url": "web address",
        "original_name": "file name",
        "content_type": "type of file",
        "size": "size (bytes)",
        "sha256": "SHA-256 fingerprint",
        "dated": "date of the evidence",
    },
)
