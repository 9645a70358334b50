"""One of every consultation record in the browser walk's world, made on first use (see spec.py)."""

import types

from involve.consultations.models import Question

from .factories import make_consultation, make_import_run, make_question, make_response, make_section


def records_for(w):
    if not hasattr(w, "consultations"):
        org = w.org_a
        consultation = make_consultation(org, title="Walk consultation")
        section = make_section(consultation)
        questions = {kind: make_question(consultation, kind, section=section) for kind in Question.Kind.values}
        w.consultations = types.SimpleNamespace(
            consultation=consultation,
            section=section,
            question=questions["free_text"],
            questions=questions,
            response=make_response(consultation, {questions["free_text"]: "A comment"}),
            import_run=make_import_run(consultation),
        )
    return w.consultations
