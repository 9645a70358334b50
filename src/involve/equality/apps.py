from django.apps import AppConfig


class EqualityConfig(AppConfig):
    name = "involve.equality"
    label = "equality"
    verbose_name = "Equality monitoring"
