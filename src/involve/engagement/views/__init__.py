"""Engagement pages, one module per object type; urls.py routes them and coversheet/views.py has the cover sheet."""
