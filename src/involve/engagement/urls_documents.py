"""Evidence and cover sheet routes. Included by engagement/urls.py inside the "engagement" namespace."""

from django.urls import path

from . import views_documents as views
from .coversheet import views as cover_sheets

urlpatterns = [
    path(
        "decisions/<int:pk>/evidence/add-file/",
        views.evidence_add,
        {"owner_type": "decision", "kind": "file"},
        name="evidence_add_file_decision",
    ),
    path(
        "decisions/<int:pk>/evidence/add-link/",
        views.evidence_add,
        {"owner_type": "decision", "kind": "link"},
        name="evidence_add_link_decision",
    ),
    path(
        "activities/<int:pk>/evidence/add-file/",
        views.evidence_add,
        {"owner_type": "activity", "kind": "file"},
        name="evidence_add_file_activity",
    ),
    path(
        "activities/<int:pk>/evidence/add-link/",
        views.evidence_add,
        {"owner_type": "activity", "kind": "link"},
        name="evidence_add_link_activity",
    ),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("decisions/<int:pk>/cover-sheet/", cover_sheets.cover_sheet, name="cover_sheet"),
    path("decisions/<int:pk>/cover-sheet/pdf/", cover_sheets.cover_sheet_pdf, name="cover_sheet_pdf"),
    path("decisions/<int:pk>/cover-sheet/docx/", cover_sheets.cover_sheet_docx, name="cover_sheet_docx"),
    path("decisions/<int:pk>/cover-sheet/details/", cover_sheets.cover_sheet_details, name="cover_sheet_details"),
]
