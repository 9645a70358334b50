"""The consultations area's routes, one module per part of the area (kept apart so each reads alone):
builder (consultations, sections, questions and the staff view of responses), responding (preview
and paper entry), imports, and analysis (counts, cross-tabs, exports, summary report, moderation)."""
