from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "vicinato.planning"
    label = "planning"
    verbose_name = _("Planning: needs, candidate sites and scenarios")

    def ready(self) -> None:
        from vicinato.lib import personal_data

        from .personal_data import ANSWERS

        personal_data.register(ANSWERS)  # the account page shows them
