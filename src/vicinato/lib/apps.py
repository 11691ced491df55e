from django.apps import AppConfig


class LibConfig(AppConfig):
    """Shared helpers with no models; installed for the commands that concern the whole installation rather than
    one domain (`vicinato backup`, `vicinato restore`)."""

    name = "vicinato.lib"
    label = "lib"
    verbose_name = "Vicinato"
