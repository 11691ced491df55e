from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "vicinato.agreements"
    label = "agreements"
    verbose_name = _("Agreements and vouchers")

    def ready(self) -> None:
        from vicinato.booking import access

        from . import receivers  # noqa: F401  (connects to the booking engine's signals)
        from .memberships import verified_member
        from .services import booking_refusal

        # The booking engine asks these, without importing this app (booking/access.py).
        access.register_gate(booking_refusal)
        access.register_affiliation(verified_member)

        from vicinato.lib import personal_data

        from .personal_data import AFFILIATIONS, APPLICATIONS, LEDGER

        personal_data.register(AFFILIATIONS, APPLICATIONS, LEDGER)  # the account page shows them
