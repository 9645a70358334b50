from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "involve.engagement"
    label = "engagement"
    verbose_name = "Engagement and the duty to involve"
