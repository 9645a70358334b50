"""Importing the deprivation lookups: the ONS postcode directory (postcode → LSOA) and the English
Indices of Deprivation 2019 File 1 (LSOA → IMD decile), both as CSV.

Each file is validated in full first (every bad row is reported with its number and reason, and
nothing is written), then committed in one transaction. Importing the same file again changes
nothing: rows are keyed by postcode, and by edition and LSOA code, and overwritten with the same values.

Columns (domain.md §10.5): the postcode directory extract (ONSPD or NSPL) needs `pcds` and `lsoa11`
or `lsoa21`; File 1 needs `LSOA code (2011)` and `Index of Multiple Deprivation (IMD) Decile`, and
may have `LSOA name (2011)` and `Index of Multiple Deprivation (IMD) Rank`.
"""

import csv
import dataclasses
import io
import re

from django.db import transaction

from involve.audit import services as audit

from .models import Deprivation, PostcodeArea
from .services import normalise_postcode

IMD_2019 = "IMD 2019"
POSTCODE_COLUMN = "pcds"
LSOA_COLUMNS = ("lsoa21", "lsoa11")
IMD_LSOA = "LSOA code (2011)"
IMD_NAME = "LSOA name (2011)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile"
IMD_RANK_PREFIX = "Index of Multiple Deprivation (IMD) Rank"
# An LSOA code: E01 (England) or W01 (Wales) and six digits.
_LSOA = re.compile(r"^[EW]01\d{6}$")
_OUTSIDE = re.compile(r"^(?:$|[SNLM9]|[EW]99999999$)")
MAX_PROBLEMS = 200
BATCH = 5000


class LookupInvalid(Exception):
    """The file has problems: nothing was written. `problems` is [(row number or None, reason)]."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class Loaded:
    rows: int
    new: int


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LookupInvalid(
            [(None, "The file is not in UTF-8. Save it again as ‘CSV UTF-8’ and upload it again")]
        ) from None


def _reader(content: bytes):
    reader = csv.DictReader(io.StringIO(_text(content), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise LookupInvalid([(None, "The file is empty")])
    reader.fieldnames = header
    return reader, header


def _too_many(problems):
    if len(problems) >= MAX_PROBLEMS:
        problems.append((None, f"Checking stopped after {MAX_PROBLEMS} problems"))
        return True
    return False


def parse_postcodes(content: bytes) -> dict:
    """{normalised postcode: LSOA code} from a postcode directory extract, or LookupInvalid."""
    reader, header = _reader(content)
    lsoa_column = next((c for c in LSOA_COLUMNS if c in header), None)
    missing = [
        c for c, ok in ((POSTCODE_COLUMN, POSTCODE_COLUMN in header), ("lsoa11 or lsoa21", lsoa_column)) if not ok
    ]
    if missing:
        raise LookupInvalid([(1, f"The file has no {' or '.join(missing)} column")])
    found, problems = {}, []
    for number, row in enumerate(reader, start=2):
        postcode = normalise_postcode(row.get(POSTCODE_COLUMN) or "")
        lsoa = (row.get(lsoa_column) or "").strip().upper()
        if not postcode:
            problems.append((number, f"‘{(row.get(POSTCODE_COLUMN) or '')[:20]}’ is not a UK postcode"))
        elif not _LSOA.match(lsoa) and _OUTSIDE.match(lsoa):
            # Scotland, Northern Ireland, the Channel Islands and the Isle of Man have no English or Welsh
            # LSOA (their codes, or pseudo-codes like L99999999): no deprivation decile, skipped quietly.
            continue
        elif not _LSOA.match(lsoa):
            problems.append((number, f"‘{lsoa[:20]}’ is not an LSOA code (like E01011229)"))
        elif found.get(postcode, lsoa) != lsoa:
            problems.append((number, f"{postcode} appears twice with different LSOA codes"))
        else:
            found[postcode] = lsoa
        if problems and _too_many(problems):
            break
    if problems:
        raise LookupInvalid(problems)
    if not found:
        raise LookupInvalid([(None, "The file has no rows")])
    return found


def parse_deprivation(content: bytes) -> dict:
    """{LSOA code: (name, rank, decile)} from IMD 2019 File 1, or LookupInvalid."""
    reader, header = _reader(content)
    rank_column = next((c for c in header if c.startswith(IMD_RANK_PREFIX)), None)
    decile_column = next((c for c in header if c.startswith(IMD_DECILE)), None)
    missing = [c for c, ok in ((IMD_LSOA, IMD_LSOA in header), (IMD_DECILE, decile_column)) if not ok]
    if missing:
        raise LookupInvalid([(1, f"The file has no ‘{c}’ column") for c in missing])
    found, problems = {}, []
    for number, row in enumerate(reader, start=2):
        lsoa = (row.get(IMD_LSOA) or "").strip().upper()
        decile_text = (row.get(decile_column) or "").strip()
        rank_text = (row.get(rank_column) or "").strip().replace(",", "") if rank_column else ""
        if not _LSOA.match(lsoa):
            problems.append((number, f"‘{lsoa[:20]}’ is not an LSOA code (like E01011229)"))
        elif not (decile_text.isdigit() and 1 <= int(decile_text) <= 10):
            problems.append((number, f"The decile ‘{decile_text[:10]}’ is not a whole number from 1 to 10"))
        elif rank_text and not (rank_text.isdigit() and 0 < int(rank_text) < 100_000):
            problems.append((number, f"The rank ‘{rank_text[:10]}’ is not a whole number"))
        elif lsoa in found:
            problems.append((number, f"{lsoa} appears twice"))
        else:
            name = (row.get(IMD_NAME) or "").strip()[:100]
            found[lsoa] = (name, int(rank_text) if rank_text else None, int(decile_text))
        if problems and _too_many(problems):
            break
    if problems:
        raise LookupInvalid(problems)
    if not found:
        raise LookupInvalid([(None, "The file has no rows")])
    return found


def _upsert_postcodes(found):
    before = PostcodeArea.objects.count()
    rows = [PostcodeArea(postcode=p, lsoa_code=lsoa) for p, lsoa in found.items()]
    PostcodeArea.objects.bulk_create(
        rows, batch_size=BATCH, update_conflicts=True, unique_fields=["postcode"], update_fields=["lsoa_code"]
    )
    return Loaded(len(rows), PostcodeArea.objects.count() - before)


def _upsert_deprivation(found, edition):
    before = Deprivation.objects.filter(edition=edition).count()
    rows = [
        Deprivation(edition=edition, lsoa_code=lsoa, lsoa_name=name, rank=rank, decile=decile)
        for lsoa, (name, rank, decile) in found.items()
    ]
    Deprivation.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["edition", "lsoa_code"],
        update_fields=["lsoa_name", "rank", "decile"],
    )
    return Loaded(len(rows), Deprivation.objects.filter(edition=edition).count() - before)


def load(*, by, organisation=None, postcodes: bytes | None = None, deprivation: bytes | None = None, edition=IMD_2019):
    """Check both files in full, then write both in one transaction. Returns {"postcodes": Loaded,
    "deprivation": Loaded} for the files given; raises LookupInvalid ({file: problems}) and writes nothing."""
    parsed, problems = {}, {}
    for key, content, parse in (
        ("postcodes", postcodes, parse_postcodes),
        ("deprivation", deprivation, parse_deprivation),
    ):
        if content is None:
            continue
        try:
            parsed[key] = parse(content)
        except LookupInvalid as exc:
            problems[key] = exc.problems
    if problems:
        raise LookupInvalid(problems)
    result = {}
    with transaction.atomic():
        if "postcodes" in parsed:
            result["postcodes"] = _upsert_postcodes(parsed["postcodes"])
        if "deprivation" in parsed:
            result["deprivation"] = _upsert_deprivation(parsed["deprivation"], edition)
        if by is not None:
            audit.record(
                action="equality.lookups_import",
                by=by,
                organisation=organisation,
                new={k: {"rows": v.rows, "new": v.new} for k, v in result.items()},
                target_label=edition,
            )
    return result


def counts():
    """What is loaded now: postcodes, and LSOAs per IMD edition."""
    editions = {}
    for edition in Deprivation.objects.values_list("edition", flat=True).distinct().order_by("edition"):
        editions[edition] = Deprivation.objects.filter(edition=edition).count()
    return {"postcodes": PostcodeArea.objects.count(), "editions": editions}
