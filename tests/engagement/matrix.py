"""The engagement app's rows in the role × URL matrix (tests/matrix.py), checked by test_permissions.py.

`needs` names the record in the `records` fixture whose pk is the argument, or a fixed argument
("csv", "xlsx"); all the records are org_a's.
"""

from involve.organisations.permissions import Action

from ..matrix import CREATE, LIST, OBJECT, Row, declare

_DOCUMENTS = "evidence and cover sheets: tests/engagement/test_evidence.py and test_coversheet.py"

ROWS = declare(
    "engagement",
    [
        Row(f"engagement:{name}", needs, action, kind)
        for name, needs, action, kind in [
            ("decision_list", None, Action.VIEW, LIST),
            ("activity_list", None, Action.VIEW, LIST),
            ("programme_list", None, Action.VIEW, LIST),
            ("partner_list", None, Action.VIEW, LIST),
            ("audience_list", None, Action.VIEW, LIST),
            ("decision_export", "csv", Action.VIEW, LIST),
            ("decision_export", "xlsx", Action.VIEW, LIST),
            ("activity_export", "csv", Action.VIEW, LIST),
            ("activity_export", "xlsx", Action.VIEW, LIST),
            ("programme_export", "csv", Action.VIEW, LIST),
            ("programme_export", "xlsx", Action.VIEW, LIST),
            ("partner_export", "csv", Action.VIEW, LIST),
            ("partner_export", "xlsx", Action.VIEW, LIST),
            ("decision_add", None, Action.EDIT, CREATE),
            ("activity_add", None, Action.EDIT, CREATE),
            ("programme_add", None, Action.EDIT, CREATE),
            ("partner_add", None, Action.EDIT, CREATE),
            ("audience_add", None, Action.MANAGE, CREATE),
            ("decision_detail", "decision", Action.VIEW, OBJECT),
            ("decision_timeline", "decision", Action.VIEW, OBJECT),
            ("decision_edit", "decision", Action.EDIT, OBJECT),
            ("decision_screen", "decision", Action.MANAGE, OBJECT),
            ("decision_delete", "decision", Action.MANAGE, OBJECT),
            ("cover_sheet_details", "decision", Action.EDIT, OBJECT),
            ("activity_detail", "activity", Action.VIEW, OBJECT),
            ("activity_edit", "activity", Action.EDIT, OBJECT),
            ("activity_feedback", "activity", Action.EDIT, OBJECT),
            ("activity_delete", "activity", Action.MANAGE, OBJECT),
            ("programme_detail", "programme", Action.VIEW, OBJECT),
            ("programme_timeline", "programme", Action.VIEW, OBJECT),
            ("programme_edit", "programme", Action.EDIT, OBJECT),
            ("programme_delete", "programme", Action.MANAGE, OBJECT),
            ("objective_add", "programme", Action.EDIT, OBJECT),
            ("objective_edit", "objective", Action.EDIT, OBJECT),
            ("objective_delete", "objective", Action.MANAGE, OBJECT),
            ("milestone_add", "objective", Action.EDIT, OBJECT),
            ("milestone_edit", "milestone", Action.EDIT, OBJECT),
            ("milestone_delete", "milestone", Action.MANAGE, OBJECT),
            ("partner_detail", "partner", Action.VIEW, OBJECT),
            ("partner_edit", "partner", Action.EDIT, OBJECT),
            ("partner_delete", "partner", Action.MANAGE, OBJECT),
            ("terms_add", "partner", Action.EDIT, OBJECT),
            ("terms_edit", "terms", Action.EDIT, OBJECT),
            ("terms_delete", "terms", Action.MANAGE, OBJECT),
            ("audience_edit", "tag", Action.MANAGE, OBJECT),
        ]
    ],
    exempt={
        f"engagement:{name}": _DOCUMENTS
        for name in (
            "evidence_add_file_decision",
            "evidence_add_link_decision",
            "evidence_add_file_activity",
            "evidence_add_link_activity",
            "evidence_remove",
            "evidence_download",
            "cover_sheet",
            "cover_sheet_pdf",
            "cover_sheet_docx",
        )
    },
)
