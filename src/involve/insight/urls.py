"""Staff routes of the insight area, in the "insight" namespace, mounted at /insight/."""

from django.urls import path

from . import routes_pages, views

app_name = "insight"
urlpatterns = [
    # Review queue, corrections and classification runs (views.py).
    path("review/", views.review_queue, name="review_queue"),
    path("comments/<int:pk>/", views.comment_detail, name="comment"),
    path("runs/", views.runs, name="runs"),
    path("runs/classify-missed/", views.classify_missed, name="classify_missed"),
    # Model versions: re-run, retrain with corrections, activate (views.py).
    path("models/", views.model_list, name="models"),
    path("models/<int:pk>/", views.model_detail, name="model"),
    path("models/<int:pk>/activate/", views.model_activate, name="model_activate"),
    path("models/rerun/", views.model_rerun, name="model_rerun"),
    path("models/retrain/", views.model_retrain, name="model_retrain"),
    # Safeguarding (views.py).
    path("safeguarding/", views.safeguarding_queue, name="safeguarding"),
    path("safeguarding/flags/<int:pk>/", views.flag_detail, name="flag"),
    path("safeguarding/reviewers/", views.reviewers, name="reviewers"),
    path("safeguarding/reviewers/<int:pk>/remove/", views.reviewer_remove, name="reviewer_remove"),
    # The insight pages (views_pages.py): overview, trends, comparison, themes, duplicates, equality, export.
    *routes_pages.urlpatterns,
]
