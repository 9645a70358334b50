from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "involve.audit"
    label = "audit"
    verbose_name = "Audit"
