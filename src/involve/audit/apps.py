from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "involve.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        # Every installed app's audit_actions module declares its actions (see registry.py).
        from . import registry

        registry.load()
