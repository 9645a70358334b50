"""Equality routes, in the "equality" namespace, mounted at /equality/."""

app_name = "equality"
urlpatterns = []
