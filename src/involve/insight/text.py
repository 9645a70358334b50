"""Small text helpers shared by the pipeline and the pages."""

import hashlib

from .learning.data import normalise


def text_hash(text: str) -> str:
    """The key of identical comments: SHA-256 of the normalised text."""
    return hashlib.sha256(normalise(text).encode()).hexdigest()
