"""Writing equality monitoring answers, and deprivation from a postcode."""

import re

from django.utils import timezone

from .categories import BY_KEY
from .models import Deprivation, EqualityRecord, PostcodeArea

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


def normalise_postcode(text: str) -> str:
    """'ls14ap ' → 'LS1 4AP'; '' when it is not the shape of a UK postcode."""
    compact = re.sub(r"\s+", "", text or "").upper()
    match = _POSTCODE.match(f"{compact[:-3]} {compact[-3:]}") if 5 <= len(compact) <= 7 else None
    return f"{match.group(1)} {match.group(2)}" if match else ""


def deprivation_for_postcode(postcode: str):
    """(lsoa_code, decile, edition) for a postcode, from the newest imported edition; blanks when unknown."""
    normalised = normalise_postcode(postcode)
    area = PostcodeArea.objects.filter(postcode=normalised).first() if normalised else None
    if area is None:
        return "", None, ""
    row = Deprivation.objects.filter(lsoa_code=area.lsoa_code).order_by("-edition").first()
    if row is None:
        return area.lsoa_code, None, ""
    return area.lsoa_code, row.decile, row.edition


def record_answers(*, organisation, subject_kind, subject_id, answers: dict, consented: bool, postcode: str = ""):
    """Store one subject's equality answers (codes keyed by category key) in the caller's transaction.

    Unknown keys and codes raise ValueError: the form offers only the categories' own codes, so
    anything else is tampering and must not be stored.
    """
    fields = {}
    for key, code in answers.items():
        category = BY_KEY.get(key)
        if category is None or (code and code not in category.labels):
            raise ValueError(f"Not an equality monitoring answer: {key}={code!r}")
        fields[key] = code or ""
    lsoa, decile, edition = deprivation_for_postcode(postcode) if postcode else ("", None, "")
    return EqualityRecord.objects.create(
        organisation=organisation,
        subject_kind=subject_kind,
        subject_id=subject_id,
        consented=consented,
        consented_at=timezone.now() if consented else None,
        lsoa_code=lsoa,
        imd_decile=decile,
        imd_edition=edition,
        **fields,
    )
