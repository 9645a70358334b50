from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "involve.site"
    label = "involve_site"
    verbose_name = "Site pages"

    def ready(self):
        from involve.core.navigation import set_entries

        from .navigation import NAVIGATION

        set_entries(NAVIGATION)
