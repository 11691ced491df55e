from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "vicinato.web"
    label = "web"
    verbose_name = _("Web pages")

    def ready(self) -> None:
        from django.core import checks

        from .planning import layers
        from .site import identity

        layers.register()  # impact's commute profiles as a demand layer of planning
        checks.register(identity.check_configuration)  # SPID/CIE: the site's key and the providers' addresses
