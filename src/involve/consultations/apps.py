from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "involve.consultations"
    label = "consultations"
    verbose_name = "Consultations and feedback"
