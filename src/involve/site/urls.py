from django.urls import path

from . import views

# No namespace: "home", "roles", "task_run" and "task_run_download" are used by name everywhere.
urlpatterns = [
    path("", views.home, name="home"),
    path("roles/", views.roles, name="roles"),
    path("tasks/<uuid:pk>/", views.task_run, name="task_run"),
    path("tasks/<uuid:pk>/download/", views.task_run_download, name="task_run_download"),
]
