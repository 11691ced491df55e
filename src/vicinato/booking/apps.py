from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "vicinato.booking"
    label = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from . import notifications  # noqa: F401  (connects the e-mail receivers)
