"""The API of affiliations, agreements and vouchers (/api/v1/agreements/): thin endpoints over the services.

Refusals: 422 with messages per field, 403 for what the user may not do, 404 for what they may not see,
409 for a transition that cannot be made now. Amounts are EUR as decimal strings ("12.50").

One router (`common.router`): each module adds its endpoints to it when imported, the vouchers' under
/vouchers."""

# isort: off
# In this order: the agreements' `/{pk}` would take `/affiliations` and `/communities` if it came first.
from . import affiliations, communities, agreements, vouchers  # noqa: F401

# isort: on
from .common import router

router.add_router("/vouchers", vouchers.router)

__all__ = ["router"]
