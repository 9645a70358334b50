"""The builder part's declarations for the project-wide tests (see spec.py): consultations, their
sections and questions, and the staff view of responses."""

from involve.organisations.permissions import Action

from ..matrix import CREATE, LIST, OBJECT
from .world import records_for

_C = "consultations:"

# (url name, record from the `records` fixture or a fixed argument, action, kind).
ROWS = [
    (f"{_C}{name}", needs, action, kind)
    for name, needs, action, kind in [
        ("consultation_list", None, Action.VIEW, LIST),
        ("consultation_export", "csv", Action.VIEW, LIST),
        ("consultation_export", "xlsx", Action.VIEW, LIST),
        ("consultation_add", None, Action.EDIT, CREATE),
        ("consultation_detail", "consultation", Action.VIEW, OBJECT),
        ("consultation_edit", "consultation", Action.EDIT, OBJECT),
        ("consultation_delete", "consultation", Action.MANAGE, OBJECT),
        ("consultation_publish", "consultation", Action.MANAGE, OBJECT),
        ("consultation_close", "consultation", Action.MANAGE, OBJECT),
        ("consultation_reopen", "consultation", Action.MANAGE, OBJECT),
        ("consultation_publish_results", "consultation", Action.MANAGE, OBJECT),
        # Reads the template, then makes the copy in the person's own organisation.
        ("consultation_copy", "consultation", Action.EDIT, OBJECT),
        ("section_add", "consultation", Action.EDIT, OBJECT),
        ("section_edit", "section", Action.EDIT, OBJECT),
        ("section_delete", "section", Action.MANAGE, OBJECT),
        ("question_add", "consultation", Action.EDIT, OBJECT),
        ("question_edit", "question", Action.EDIT, OBJECT),
        ("question_delete", "question", Action.MANAGE, OBJECT),
        ("question_move", "question", Action.EDIT, OBJECT),
        ("response_list", "consultation", Action.VIEW, OBJECT),
        ("response_detail", "response", Action.VIEW, OBJECT),
        ("response_delete", "response", Action.MANAGE, OBJECT),
    ]
]
EXEMPT = {}


def _pk(record):
    return lambda w: {"pk": getattr(records_for(w), record).pk}


OBJECTS = {
    f"{_C}consultation_export": lambda w: {"fmt": "csv"},
    **{
        f"{_C}{name}": _pk("consultation")
        for name in (
            "consultation_detail",
            "consultation_edit",
            "consultation_delete",
            "consultation_publish",
            "consultation_close",
            "consultation_reopen",
            "consultation_publish_results",
            "consultation_copy",
            "section_add",
            "question_add",
            "response_list",
        )
    },
    **{f"{_C}{name}": _pk("section") for name in ("section_edit", "section_delete")},
    **{f"{_C}{name}": _pk("question") for name in ("question_edit", "question_delete", "question_move")},
    **{f"{_C}{name}": _pk("response") for name in ("response_detail", "response_delete")},
}
FORMS = {
    f"{_C}consultation_add": "add",
    f"{_C}consultation_edit": "edit",
    f"{_C}consultation_copy": "add",
    f"{_C}section_add": "add",
    f"{_C}section_edit": "edit",
    f"{_C}question_add": "add",
    f"{_C}question_edit": "edit",
}
# The walk's consultation is open (published): reopening and publishing results show their forms
# only once it is closed, so they are not forms there. tests/consultations/test_builder_views.py
# drives both (round trip, messages) on a closed consultation.
FORM_EXEMPT = {}
PUBLIC = set()
