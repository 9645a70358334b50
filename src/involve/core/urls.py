from django.urls import path

from . import views

# The home page, roles and task progress pages know about organisations: they live in involve.site.
urlpatterns = [
    path("account/", views.account_settings, name="account_settings"),
    path("health/", views.health, name="health"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
