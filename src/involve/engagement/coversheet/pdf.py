"""The cover sheet as a PDF: A4, tagged for accessibility (PDF/UA-1), with its title and language.

The PDF is drawn by WeasyPrint from cover_sheet_print.html, a standalone document whose <title> and
<html lang="en-GB"> become the PDF's title and language. PDF/UA-1 tags the content (headings,
tables, lists) so a screen reader can follow it, marks the page furniture as artifacts and tells
viewers to show the title rather than the file name. Nothing is fetched from outside while drawing.
"""

import logging
import re

from django.template.loader import render_to_string

from .build import CoverSheet

PDF_VARIANT = "pdf/ua-1"


def render_html(sheet: CoverSheet) -> str:
    """The cover sheet as a standalone HTML document, for the PDF (the page uses cover_sheet.html)."""
    return render_to_string("engagement/documents/cover_sheet_print.html", {"sheet": sheet})


# WeasyPrint's time grows with the square of a word it must break inside (a 2,000-character web
# address in a table cell took 69 s alone): give it a place to break, <wbr>, every BREAK_EVERY
# characters of any longer word. <wbr> adds no character, so the PDF's text and links are unchanged.
BREAK_EVERY = 20
_TEXT = re.compile(r">([^<]+)<")
_LONG_WORD = re.compile(rf"[^\s<>]{{{BREAK_EVERY + 1},}}")
_CHARACTER = re.compile(r"&#?\w+;|.", re.S)  # an escaped character (&amp;) counts as one


def _break_word(match) -> str:
    characters = _CHARACTER.findall(match.group(0))
    return "<wbr>".join("".join(characters[i : i + BREAK_EVERY]) for i in range(0, len(characters), BREAK_EVERY))


def break_long_words(html: str) -> str:
    """The document with <wbr> in every long word of the text in its <body> (not in the title or the styles)."""
    head, body = html.split("<body>", 1)
    return head + "<body>" + _TEXT.sub(lambda m: ">" + _LONG_WORD.sub(_break_word, m.group(1)) + "<", body)


def _refusing_fetcher():
    from weasyprint.urls import URLFetcher

    class RefuseEveryURL(URLFetcher):
        """The cover sheet needs nothing from outside; any URL (a link in user text, a font) is refused."""

        refused: list[str] = []

        def fetch(self, url, headers=None):
            self.refused.append(url)
            raise ValueError(f"Involve does not fetch {url!r} while making a PDF")

    return RefuseEveryURL(fail_on_errors=False)


def render_pdf(sheet: CoverSheet) -> bytes:
    from weasyprint import HTML

    # WeasyPrint logs nine INFO lines per document ("Step 1 - Fetching and parsing HTML"…); keep its
    # warnings (a refused URL, a missing font) and drop the progress chatter from the service's log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    fetcher = _refusing_fetcher()
    html = HTML(string=break_long_words(render_html(sheet)), base_url="about:blank", url_fetcher=fetcher)
    return html.write_pdf(pdf_variant=PDF_VARIANT)
