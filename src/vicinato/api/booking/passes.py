"""Monthly passes: take one for a month of a resource, list yours, cancel one before its month begins."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from vicinato.booking import services
from vicinato.booking.models import MonthlyPass

from ..auth import AUTH
from ..schemas.booking import PassIn, PassOut
from ..schemas.common import ErrorOut
from .common import PAGE_LIMIT, PAGE_OFFSET, paged, router, visible_resource


def pass_out(monthly_pass: MonthlyPass) -> dict:
    return {
        "id": monthly_pass.pk,
        "resource": monthly_pass.resource_id,
        "resource_name": monthly_pass.resource.name,
        "place": monthly_pass.resource.place.public_id,
        "month": f"{monthly_pass.month:%Y-%m}",
        "month_label": services.month_text(monthly_pass.month),
        "price_cents": monthly_pass.price_cents,
        "currency": "EUR",
        "state": monthly_pass.state,
        "created_at": timezone.localtime(monthly_pass.created_at),
        "cancelled_at": timezone.localtime(monthly_pass.cancelled_at) if monthly_pass.cancelled_at else None,
        "cancellable": services.pass_cancellable(monthly_pass),
    }


@router.post(
    "/resources/{pk}/passes",
    auth=AUTH,
    response={201: PassOut, 404: ErrorOut, 422: ErrorOut},
    summary="Take a monthly pass of a resource",
)
def buy_pass(request, pk: int, payload: PassIn):
    """At the resource's `price_cents_per_month`. Your bookings of it in that month then cost nothing for one
    unit. 422 names the rule that refused: `no_pass`, `pass_month` (the month has ended), `days_ahead`,
    `who_may_book`, `block` (closed all month), `pass_held` (you already hold one for that month)."""
    resource = visible_resource(request, pk)
    year, month = (int(part) for part in payload.month.split("-"))
    return 201, pass_out(services.buy_pass(request.user, resource, date(year, month, 1)))


@router.get(
    "/passes",
    auth=AUTH,
    response={200: list[PassOut], 422: ErrorOut},
    summary="My monthly passes, latest month first",
)
def my_passes(
    request,
    response: HttpResponse,
    state: MonthlyPass.State | None = None,
    limit: int = PAGE_LIMIT,
    offset: int = PAGE_OFFSET,
):
    """The header `X-Total-Count` gives how many match in all."""
    passes = MonthlyPass.objects.filter(person=request.user).select_related("resource__place")
    if state:
        passes = passes.filter(state=state)
    return [pass_out(p) for p in paged(response, passes.order_by("-month", "pk"), limit, offset)]


@router.post(
    "/passes/{pk}/cancel",
    auth=AUTH,
    response={200: PassOut, 404: ErrorOut, 422: ErrorOut},
    summary="Cancel a monthly pass before its month begins",
)
def cancel_pass(request, pk: int):
    """422 `pass_month` once its month has begun (or it is cancelled already), `pass_used` while bookings it
    covers are held (cancel those first)."""
    monthly_pass = get_object_or_404(MonthlyPass.objects.select_related("resource__place"), pk=pk)
    if monthly_pass.person_id != request.user.pk:
        raise Http404(_("No monthly pass of yours has id %(id)d.") % {"id": pk})
    cancelled = services.cancel_pass(monthly_pass)
    cancelled.resource = monthly_pass.resource
    return pass_out(cancelled)
