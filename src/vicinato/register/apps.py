from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "vicinato.register"
    label = "register"
    verbose_name = _("Public register of places")

    def ready(self):
        from vicinato.geo import travel

        from . import signals  # noqa: F401
        from .models import Place

        # The routing's indexes of reachable places are built from the listed places (geo does not import us).
        travel.set_places_source(lambda: list(Place.objects.listed().values_list("public_id", "lat", "lon")))

        from vicinato.lib import personal_data

        from .personal_data import IDENTITY, ROLES, TOKENS

        personal_data.register(ROLES, TOKENS, IDENTITY)  # the account page shows them
