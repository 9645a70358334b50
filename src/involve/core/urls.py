from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("account/", views.account_settings, name="account_settings"),
    path("health/", views.health, name="health"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("roles/", views.roles, name="roles"),
    path("tasks/<uuid:pk>/", views.task_run, name="task_run"),
    path("tasks/<uuid:pk>/download/", views.task_run_download, name="task_run_download"),
]
