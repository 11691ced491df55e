from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "vicinato.activities"
    label = "activities"
    verbose_name = _("Activities: advice and events")

    def ready(self) -> None:
        from . import notifications  # noqa: F401  (connects the e-mail receivers)
