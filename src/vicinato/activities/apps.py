from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "vicinato.activities"
    label = "activities"
    verbose_name = _("Activities: advice and events")

    def ready(self) -> None:
        from vicinato.lib import personal_data

        from . import notifications  # noqa: F401  (connects the e-mail receivers)
        from .personal_data import APPOINTMENTS, REGISTRATIONS

        personal_data.register(APPOINTMENTS, REGISTRATIONS)  # the account page shows them
