"""Starts background classification when text is captured (filled in by the pipeline)."""
