"""Making the cover sheet's files without letting one decision exhaust the server.

A decision with every field at its longest and a hundred activities is a document of several
hundred pages, and WeasyPrint's cost grows with it: such a PDF once took 130 s and 480 MiB in a
web worker. So:

- weight(sheet) estimates the cost before anything is drawn, from the built CoverSheet: its
  characters plus a fixed cost for each piece of text (a table cell, a paragraph). At or below
  BACKGROUND_ABOVE (one figure per format) the file is drawn in the request; benchmarks/coversheet.py
  shows that a sheet of that weight, in any shape, takes seconds and a fraction of the limits below.
- Above it, the file is made by a background task (tasks.py), in a child process that
  render_in_child() starts with an address-space limit (RLIMIT_AS, COVER_SHEET_MEMORY_MB) and kills
  at a wall-clock limit (COVER_SHEET_SECONDS). A render that hits either raises TooLarge: the
  person is told in words, the worker carries on.
- Every file made is kept in default_storage under a key that hashes the built sheet (everything
  the file shows, so the decision's and its activities' and evidence's content, the meeting details
  and the date), the format and the template's version. The same version is served again without
  drawing; an edit makes a new key, and storing it removes the decision's older file of that format.
"""

import dataclasses
import hashlib
import json
import logging
import os
import pickle
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .build import CoverSheet

log = logging.getLogger(__name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# format: (content type, what people call it)
FORMATS = {"pdf": ("application/pdf", "PDF"), "docx": (DOCX_TYPE, "Word document")}

# Raise when the templates or the drawing code change what a file looks like: it is part of the
# cache key (so are the print template's and docx.py's source, in case someone forgets).
VERSION = 1
_SOURCES = [
    Path(__file__).parent / "docx.py",
    Path(__file__).parent / "pdf.py",
    Path(__file__).parents[1] / "jinja2/engagement/documents/cover_sheet_print.html",
    Path(__file__).parents[1] / "jinja2/engagement/documents/_cover_sheet.html",
]
_SOURCE_HASH = hashlib.sha256(b"".join(p.read_bytes() for p in _SOURCES)).hexdigest()

# The cost of one piece of text beyond its characters: a table cell or paragraph is a box to lay
# out however short its text. From benchmarks/coversheet.py (many short rows against few long ones).
PIECE_WEIGHT = 100
# Above this weight a file is made in the background (benchmarks/coversheet.py, docs/benchmarks.md).
# WeasyPrint's PDF costs far more per character than python-docx's Word document.
BACKGROUND_ABOVE = {"pdf": 60_000, "docx": 6_000_000}

CACHE_FOLDER = "cover-sheets"

# How many files have been drawn in this process, by format: the cache tests read it.
renders = {"pdf": 0, "docx": 0}


class TooLarge(Exception):
    """The render hit the time or the memory limit."""

    def __init__(self, limit):
        super().__init__(limit)
        self.limit = limit  # "time" or "memory"


def too_large_message(fmt) -> str:
    if fmt == "pdf":
        return (
            "This cover sheet is too large to make as a PDF. Download it as a Word document, or shorten "
            "the longest answers on the decision and its activities and try again."
        )
    return (
        "This cover sheet is too large to make as a Word document. Shorten the longest answers on the "
        "decision and its activities, or unlink activities that do not belong to it, and try again."
    )


# ---------------------------------------------------------------------------------------------
# The estimate


def _pieces(value):
    """(characters, pieces of text) in a built value: dataclasses, lists, strings."""
    if isinstance(value, str):
        return len(value), 1
    if isinstance(value, list | tuple):
        chars = pieces = 0
        for item in value:
            c, p = _pieces(item)
            chars, pieces = chars + c, pieces + p
        return chars, pieces
    if dataclasses.is_dataclass(value):
        return _pieces([getattr(value, f.name) for f in dataclasses.fields(value)])
    return 0, 0


def weight(sheet: CoverSheet) -> int:
    """What drawing the sheet costs, roughly: its characters plus PIECE_WEIGHT for each piece of text.

    Counts every string the sheet holds, including the few the files leave out, so it errs high.
    """
    chars, pieces = _pieces(sheet)
    return chars + PIECE_WEIGHT * pieces


def background_above(fmt) -> int:
    # Tests set COVER_SHEET_BACKGROUND_ABOVE to send small records to the background.
    return getattr(settings, "COVER_SHEET_BACKGROUND_ABOVE", BACKGROUND_ABOVE[fmt])


def is_large(sheet: CoverSheet, fmt: str) -> bool:
    return weight(sheet) > background_above(fmt)


# ---------------------------------------------------------------------------------------------
# The cache


def cache_key(sheet: CoverSheet, fmt: str) -> str:
    data = json.dumps(dataclasses.asdict(sheet), default=str, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256()
    for part in (fmt, str(VERSION), _SOURCE_HASH, data):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _folder(sheet) -> str:
    return f"{CACHE_FOLDER}/{sheet.decision_id}"


def _cache_name(sheet, fmt) -> str:
    return f"{_folder(sheet)}/{fmt}-{cache_key(sheet, fmt)}.{fmt}"


def cached(sheet: CoverSheet, fmt: str) -> bytes | None:
    """The stored file for this version of the sheet, or None."""
    try:
        with default_storage.open(_cache_name(sheet, fmt), "rb") as handle:
            return handle.read()
    except FileNotFoundError:  # never made, or removed by a newer version since
        return None


def is_cached(sheet: CoverSheet, fmt: str) -> bool:
    return default_storage.exists(_cache_name(sheet, fmt))


def store(sheet: CoverSheet, fmt: str, content: bytes) -> str:
    """Keep the file for this version, and remove the decision's older files of the same format."""
    name = _cache_name(sheet, fmt)
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:  # someone stored the same version a moment ago: theirs is as good
            default_storage.delete(saved)
    keep = name.rsplit("/", 1)[1]
    try:
        _, files = default_storage.listdir(_folder(sheet))
    except FileNotFoundError:
        files = []
    for other in files:
        if other.startswith(f"{fmt}-") and other != keep:
            default_storage.delete(f"{_folder(sheet)}/{other}")
    return name


def forget(decision_id) -> None:
    """Remove every stored cover sheet of a decision (once it is deleted: the files hold its record)."""
    folder = f"{CACHE_FOLDER}/{int(decision_id)}"
    try:
        _, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


# ---------------------------------------------------------------------------------------------
# Drawing


def draw(sheet: CoverSheet, fmt: str) -> bytes:
    """Draw the file in this process, with no limit: only for sheets that are not large, or in a child."""
    from .docx import render_docx
    from .pdf import render_pdf

    renders[fmt] += 1
    return render_pdf(sheet) if fmt == "pdf" else render_docx(sheet)


def file_in_request(sheet: CoverSheet, fmt: str) -> bytes:
    """The file for a sheet that is not large: from the cache, or drawn here and stored."""
    content = cached(sheet, fmt)
    if content is None:
        content = draw(sheet, fmt)
        store(sheet, fmt, content)
    return content


def file_in_background(sheet: CoverSheet, fmt: str) -> bytes:
    """The file from the cache, or drawn in a child process within the limits and stored. Raises TooLarge."""
    content = cached(sheet, fmt)
    if content is None:
        content = render_in_child(
            sheet,
            fmt,
            seconds=settings.COVER_SHEET_SECONDS,
            memory_bytes=settings.COVER_SHEET_MEMORY_MB * 1024 * 1024,
        ).content
        renders[fmt] += 1
        store(sheet, fmt, content)
    return content


@dataclasses.dataclass
class Rendered:
    content: bytes
    seconds: float  # drawing only, in the child (not its start-up)
    max_rss_kib: int  # the child's peak resident memory (getrusage ru_maxrss)
    vm_peak_kib: int  # its peak address space, which RLIMIT_AS limits (VmPeak)
    vm_start_kib: int  # its address space before drawing: Python, Django, WeasyPrint, python-docx
    wall_seconds: float  # start to finish, start-up included


# The child starts Django (the PDF's template is Jinja2 through Django) and then _child_main. It is
# started with -c, not -m: importing this package before django.setup() would import the models.
_CHILD = "import django; django.setup(); from involve.engagement.coversheet.limits import _child_main; _child_main()"
_EXIT_MEMORY = 3


def render_in_child(sheet: CoverSheet, fmt: str, *, seconds: float, memory_bytes: int | None) -> Rendered:
    """Draw the file in a new Python process limited to `memory_bytes` of address space, killed after `seconds`.

    Raises TooLarge when it hits either; any other failure raises RuntimeError (with the child's
    error in the log). A new process, not a fork: a fork of a web or task worker would carry its
    memory, its database connections and its threads into the render.
    """
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "involve.settings")}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="involve-cover-sheet-") as folder:
        output = Path(folder) / f"cover-sheet.{fmt}"
        args = [sys.executable, "-c", _CHILD, fmt, str(memory_bytes or 0), str(output), str(int(seconds) + 1)]
        pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
        child = subprocess.Popen(args, env=env, **pipes)  # noqa: S603  (our interpreter, our arguments)
        try:
            stdout, stderr = child.communicate(pickle.dumps(sheet), timeout=seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            log.warning("Cover sheet %s for decision %s stopped after %s s", fmt, sheet.decision_id, seconds)
            raise TooLarge("time") from None
        wall = time.perf_counter() - started
        if child.returncode == _EXIT_MEMORY or child.returncode < 0:
            # Out of address space: Python raised MemoryError, or a C library (Pango, cairo) died of it.
            # A negative code is a signal; SIGXCPU is the CPU-time backstop (see _child_main).
            log.warning(
                "Cover sheet %s for decision %s hit the memory limit (exit %s): %s",
                fmt,
                sheet.decision_id,
                child.returncode,
                stderr.decode(errors="replace")[-2000:],
            )
            raise TooLarge("time" if child.returncode == -signal.SIGXCPU else "memory")
        if child.returncode != 0:
            raise RuntimeError(f"Cover sheet render failed: {stderr.decode(errors='replace')[-4000:]}")
        stats = json.loads(stdout.decode().strip().splitlines()[-1])
        return Rendered(content=output.read_bytes(), wall_seconds=wall, **stats)


def _vm_kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def _child_main():
    """In the child: set the limits, read the pickled sheet from stdin, write the file, print its figures."""
    fmt, memory_bytes, output, cpu_seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    # Load everything the drawing needs first, so the limit is on the drawing, not on start-up.
    import docx  # noqa: F401
    import weasyprint  # noqa: F401

    from . import docx as _docx  # noqa: F401
    from . import pdf as _pdf  # noqa: F401

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    vm_start = _vm_kib("VmSize")
    # CPU time as a backstop: should the parent die, an orphaned child still stops by itself.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        sheet = pickle.loads(sys.stdin.buffer.read())  # noqa: S301  (from the parent process, not a person)
        started = time.perf_counter()
        content = draw(sheet, fmt)
        seconds = time.perf_counter() - started
        Path(output).write_bytes(content)
    except MemoryError:
        sys.exit(_EXIT_MEMORY)
    stats = {
        "seconds": seconds,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "vm_peak_kib": _vm_kib("VmPeak"),
        "vm_start_kib": vm_start,
    }
    print(json.dumps(stats))
