from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "involve.organisations"
    label = "organisations"
    verbose_name = "Organisations and people"

    def ready(self):
        from . import signals  # noqa: F401  (sign-in events go to the audit log)
