"""The board paper cover sheet: "How the duty to involve has been considered", built from the record.

- build.py: build_cover_sheet(decision) gives a plain CoverSheet (the board paper's front table,
  then the duty-to-involve section with its gaps) that the page, the PDF and the DOCX all draw from.
- pdf.py: the PDF (A4, tagged PDF/UA-1, title and language set) from cover_sheet_print.html.
- docx.py: the Word document (A4, en-GB, real headings, repeating table headers, core properties).
- forms.py, services.py, views.py: the board paper details form, board_paper_save() with its
  audit event, and the page, download and form views.
- limits.py, tasks.py: a long sheet's files are made by a background task in a child process with
  a time and a memory limit; every file made is kept until the record changes.

User text is never markup: the HTML and PDF go through Jinja2's autoescaping, and the DOCX gets
plain text runs. Characters that XML cannot hold (control characters) are dropped on the way in.
"""

from .build import (
    ActivityItem,
    CoverSheet,
    EvidenceItem,
    Row,
    _date,
    _join,
    _text,
    build_cover_sheet,
)
from .docx import render_docx
from .pdf import _refusing_fetcher, render_html, render_pdf
from .services import BOARD_PAPER_FIELDS, board_paper_save

__all__ = [
    "BOARD_PAPER_FIELDS",
    "ActivityItem",
    "CoverSheet",
    "EvidenceItem",
    "Row",
    "_date",
    "_join",
    "_refusing_fetcher",
    "_text",
    "board_paper_save",
    "build_cover_sheet",
    "render_docx",
    "render_html",
    "render_pdf",
]
