"""The cover sheet as a PDF: A4, tagged for accessibility (PDF/UA-1), with its title and language.

The PDF is drawn by WeasyPrint from cover_sheet_print.html, a standalone document whose <title> and
<html lang="en-GB"> become the PDF's title and language. PDF/UA-1 tags the content (headings,
tables, lists) so a screen reader can follow it, marks the page furniture as artifacts and tells
viewers to show the title rather than the file name. Nothing is fetched from outside while drawing.
"""

import logging

from django.template.loader import render_to_string

from .build import CoverSheet

PDF_VARIANT = "pdf/ua-1"


def render_html(sheet: CoverSheet) -> str:
    """The cover sheet as a standalone HTML document, for the PDF (the page uses cover_sheet.html)."""
    return render_to_string("engagement/documents/cover_sheet_print.html", {"sheet": sheet})


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
    html = HTML(string=render_html(sheet), base_url="about:blank", url_fetcher=fetcher)
    return html.write_pdf(pdf_variant=PDF_VARIANT)
