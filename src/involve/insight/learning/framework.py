"""The NHS patient-experience (FFT-QDC) framework, v7 "MVP" of 2023-09-25, shipped as reference data.

artefacts/framework_v7.csv holds its 10 categories and 33 sub-categories (themes) with the
framework's own descriptions and short examples (the examples are the framework's illustrations,
not training comments). build_csv() regenerates it from the framework's spreadsheet.
"""

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

NAME = "FFT-QDC patient experience framework"
VERSION = "v7 (MVP 2023-09-25)"
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "artefacts" / "framework_v7.csv"
COLUMNS = ["category", "theme", "description", "examples"]


@dataclass(frozen=True)
class Theme:
    category: str
    name: str
    description: str
    examples: str


@dataclass(frozen=True)
class Framework:
    name: str
    version: str
    sha256: str
    themes: tuple

    @property
    def categories(self) -> dict[str, list[str]]:
        """Category -> its theme names, in the framework's order."""
        result: dict[str, list[str]] = {}
        for theme in self.themes:
            result.setdefault(theme.category, []).append(theme.name)
        return result

    def category_of(self, theme_name: str) -> str | None:
        return next((t.category for t in self.themes if t.name == theme_name), None)


def load_framework(path=None) -> Framework:
    path = Path(path or DEFAULT_PATH)
    raw = path.read_bytes()
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    themes = tuple(Theme(r["category"], r["theme"], r["description"], r["examples"]) for r in rows)
    return Framework(NAME, VERSION, hashlib.sha256(raw).hexdigest(), themes)


def build_csv(xlsx_path, out_path=DEFAULT_PATH) -> None:
    """Write framework_v7.csv from the sheet 'MVP framework details' of the framework's workbook."""
    from openpyxl import load_workbook

    workbook = load_workbook(xlsx_path, read_only=True)
    sheet = workbook["MVP framework details"]
    rows = list(sheet.iter_rows(values_only=True))[1:]
    with open(out_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for category, theme, description, examples, *_ in rows:
            if not theme:
                continue
            writer.writerow(
                [str(category).strip(), str(theme).strip(), (description or "").strip(), (examples or "").strip()]
            )
