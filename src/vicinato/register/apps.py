from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "vicinato.register"
    label = "register"
    verbose_name = _("Public register of places")

    def ready(self):
        from . import signals  # noqa: F401
