"""Signals the consultations area sends, so areas above it (insight) can act on captured responses
without consultations knowing they exist.

responses_stored(sender=Consultation, consultation, response_ids=[...] | None, import_run=ImportRun | None):
sent once the transaction that stored the responses has committed (an online submit, a paper entry,
an import commit).
"""

from django.db import transaction
from django.dispatch import Signal

responses_stored = Signal()


def send_on_commit(consultation, *, response_ids=None, import_run=None):
    def send():
        responses_stored.send(
            sender=type(consultation), consultation=consultation, response_ids=response_ids, import_run=import_run
        )

    # robust: analysis failing must never undo or fail the capture that has already been stored.
    transaction.on_commit(send, robust=True)
