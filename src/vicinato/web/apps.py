from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "vicinato.web"
    label = "web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        from .planning import layers

        layers.register()  # impact's commute profiles as a demand layer of planning
