from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "involve.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from . import checks  # noqa: F401  (warnings for production settings weakened on purpose)
