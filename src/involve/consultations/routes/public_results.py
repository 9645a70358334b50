"""Public routes: results and published responses (see public_urls.py)."""

from django.urls import path

from ..views import public_results

urlpatterns = [
    path("<int:org>/<slug:slug>/results/", public_results.results, name="results"),
]
