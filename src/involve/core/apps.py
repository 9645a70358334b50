from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "involve.core"
    label = "core"
    verbose_name = "Core"
