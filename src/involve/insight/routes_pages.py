"""Routes of the insight pages (included into insight/urls.py, namespace "insight"): the overview,
trends, two periods compared, one theme's comments and quotes, duplicate groups, themes by an equality
characteristic and the export of the theme counts."""

from django.urls import path

from . import views_pages as v

urlpatterns = [
    path("", v.overview, name="overview"),
    path("trends/", v.trends, name="trends"),
    path("compare/", v.compare, name="compare"),
    path("themes/<int:pk>/", v.theme_detail, name="theme_detail"),
    path("themes/<int:pk>/suggest-quotes/", v.quotes_suggest, name="quotes_suggest"),
    path("quotes/<int:pk>/confirm/", v.quote_confirm, name="quote_confirm"),
    path("quotes/<int:pk>/remove/", v.quote_remove, name="quote_remove"),
    path("duplicates/", v.duplicates_list, name="duplicates"),
    path("duplicates/<int:pk>/", v.duplicate_detail, name="duplicate_detail"),
    path("duplicates/<int:pk>/campaign/", v.duplicate_campaign, name="duplicate_campaign"),
    path("equality/", v.equality, name="equality"),
    path("export/<str:fmt>/", v.export, name="export"),
]
