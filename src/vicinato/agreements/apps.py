from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "vicinato.agreements"
    label = "agreements"
    verbose_name = _("Agreements and vouchers")

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects to the booking engine's signals)
