"""Routes: responding (see routes/__init__.py): the preview of the public pages, and paper entry."""

from django.urls import path

from ..views import paper

urlpatterns = [
    path("<int:pk>/preview/", paper.preview, name="preview"),
    path("<int:pk>/paper-entry/", paper.paper_entry, name="paper_entry"),
]
