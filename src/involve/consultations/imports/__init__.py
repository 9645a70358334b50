"""Imports of feedback gathered elsewhere (CSV and XLSX): reading.py reads a file, layouts.py holds the
ready mappings (Friends and Family Test, Citizen Space, EngagementHQ) and the mapping targets,
validation.py checks every row, commit.py writes them in one transaction (COPY on PostgreSQL), and
services.py runs the steps. The background task is consultations/tasks.py."""
