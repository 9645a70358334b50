"""Labelled comments: reading them, normalising text and splitting without leaks."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Case, accents of compatibility forms, spacing and punctuation folded: 'Great staff!!' == 'great  staff'."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())
