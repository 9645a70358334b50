from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "involve.insight"
    label = "insight"
    verbose_name = "Insight: themes, sentiment and safeguarding"

    def ready(self):
        # Classification starts from signals sent by the areas that capture text, so capture never waits.
        from . import signals  # noqa: F401
