from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "vicinato.booking"
    label = "booking"
    verbose_name = _("Booking")

    def ready(self) -> None:
        from vicinato.lib import personal_data

        from . import notifications  # noqa: F401  (connects the e-mail receivers)
        from .personal_data import BOOKINGS, PASSES, WAITING

        personal_data.register(BOOKINGS, PASSES, WAITING)  # the account page shows them
