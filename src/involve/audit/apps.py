from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "involve.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        # Every installed app's audit_actions module declares its actions (see registry.py).
        from . import registry
        from .management import after_migrate

        registry.load()
        # Once per migrate, after every app's migrations: triggers, grants, the chain head.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="involve.audit.after_migrate")
