from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "vicinato.geo"
    label = "geo"
    verbose_name = _("Areas and transit")

    def ready(self):
        from django.apps import apps
        from django.contrib.auth import get_user_model

        from vicinato.lib.text import guard_text_fields

        # The text fields of the project's models and of its people refuse control characters (and line breaks in
        # one-line fields): geo is the lowest app, loaded wherever models are saved.
        ours = [m for m in apps.get_models() if m.__module__.startswith("vicinato.")]
        guard_text_fields([*ours, get_user_model()])
