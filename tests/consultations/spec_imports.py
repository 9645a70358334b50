"""The imports part's declarations for the project-wide tests (see spec.py): a consultation's imports,
the upload, the mapping page and the report."""

from pathlib import Path

from involve.organisations.permissions import Action

from ..matrix import OBJECT
from .world import records_for

_C = "consultations:"
SAMPLES = Path(__file__).parent / "samples"

ROWS = [
    (f"{_C}{name}", needs, action, OBJECT)
    for name, needs, action in [
        ("import_list", "consultation", Action.VIEW),
        ("import_start", "consultation", Action.EDIT),
        ("import_detail", "import_run", Action.VIEW),
        ("import_mapping", "import_run", Action.EDIT),
    ]
]
EXEMPT = {}


def with_file(run, sample="fft.csv"):
    """The run with a stored file (the walk's import run is made without one), its mapping suggested."""
    from involve.consultations.imports import services
    from involve.consultations.imports.layouts import questions_for, suggest_mapping
    from involve.consultations.imports.reading import read

    if services.stored_name(run) is None:
        content = (SAMPLES / sample).read_bytes()
        kind = sample.rsplit(".", 1)[-1]
        services.store_file(run, content, kind)
        table = read(content, kind)
        run.mapping = suggest_mapping(run.layout, table.headings, questions_for(run.consultation, run.layout))
        run.rows_total = len(table.rows)
        run.save(update_fields=["mapping", "rows_total"])
    return run


OBJECTS = {
    f"{_C}import_list": lambda w: {"pk": records_for(w).consultation.pk},
    f"{_C}import_start": lambda w: {"pk": records_for(w).consultation.pk},
    f"{_C}import_detail": lambda w: {"pk": records_for(w).import_run.pk},
    f"{_C}import_mapping": lambda w: {"pk": with_file(records_for(w).import_run).pk},
}
FORMS = {
    f"{_C}import_start": "add",
    # Saving the mapping unchanged changes nothing; "Check and import" is its own button.
    f"{_C}import_mapping": "edit",
}
FORM_EXEMPT = {}
PUBLIC = set()
