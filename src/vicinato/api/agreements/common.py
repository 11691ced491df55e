"""The agreements API's router and what its modules share: lookups, outcomes of bookings, form data."""

from __future__ import annotations

from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from vicinato.agreements import services
from vicinato.agreements.permissions import Action, can, require
from vicinato.register.models import Organisation

from ..auth import AUTH
from ..schemas.common import ErrorOut

router = Router(tags=["agreements and vouchers"], auth=AUTH)
REFUSALS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def organisation(request, pk: int, action: Action = Action.VIEW_ORGANISATION) -> Organisation:
    """An organisation the caller runs (404 for the others), where they may do `action` (403 otherwise)."""
    found = Organisation.objects.filter(pk=pk).first()
    if found is None or not can(request.user, Action.VIEW_ORGANISATION, found):
        raise Http404(_("No organisation you run has id %(id)d.") % {"id": pk})
    require(request.user, action, found)
    return found


def outcomes(pairs) -> list[dict]:
    """What happened (or would happen) to each booking of (reservation, outcome) pairs."""
    return [
        {
            "reservation": r.pk,
            "start": timezone.localtime(r.start),
            "place": r.resource.place.public_id,
            "outcome": services.reason_text(outcome),  # in the request's language
        }
        for r, outcome in pairs
    ]


def query_data(data: dict) -> QueryDict:
    """JSON input as the form data the pages' forms validate (lists as repeated keys)."""
    form_data = QueryDict(mutable=True)
    for key, value in data.items():
        if value is not None:
            form_data.setlist(key, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return form_data
