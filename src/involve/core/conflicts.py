"""What a save can run into when two people work on the same record. Raised by the write kit
(involve.audit.writes) and turned into pages by involve.core.formviews; no domain knowledge here."""


class StaleEdit(Exception):
    """Someone else saved the record after this person opened the form. `current` is the record as it
    is stored now (read under the row lock), so the page can show both versions and lose neither."""

    def __init__(self, current):
        super().__init__(f"{current._meta.verbose_name} {current.pk} changed since the form was opened")
        self.current = current


class RecordGone(Exception):
    """The record was deleted while this person was editing it."""

    def __init__(self, model, pk):
        super().__init__(f"{model._meta.verbose_name} {pk} no longer exists")
        self.model = model
        self.pk = pk
