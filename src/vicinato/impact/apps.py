from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "vicinato.impact"
    label = "impact"
    verbose_name = _("Impact: commutes saved")

    def ready(self) -> None:
        from vicinato.lib import personal_data

        from . import receivers  # noqa: F401  (computes a booking's impact on check-in or completion)
        from .personal_data import COMMUTE

        personal_data.register(COMMUTE)  # the account page shows them
