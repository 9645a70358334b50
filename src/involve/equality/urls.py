"""Equality routes, in the "equality" namespace, mounted at /equality/."""

from django.urls import path

from . import views

app_name = "equality"
urlpatterns = [
    path("", views.report, name="report"),
    path("records/", views.records, name="records"),
    path("lookups/", views.lookups, name="lookups"),
]
