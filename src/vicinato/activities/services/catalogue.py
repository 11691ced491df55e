"""An organisation's advice services and its advisors: created and changed by its administrators."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vicinato.register.models import Audience, Membership, Organisation, Place

from ..models import AdviceService, Advisor, Mode
from ..permissions import Action, require

FIELDS = (
    "kind",
    "name_it",
    "name_en",
    "description_it",
    "description_en",
    "modes",
    "minutes",
    "price_cents",
    "audiences",
    "notice_hours",
    "days_ahead",
    "offer_hours",
    "reason_months",
    "is_active",
)


def save_service(
    actor, organisation: Organisation, places: list[Place], service: AdviceService | None = None, **values
) -> AdviceService:
    """Create (or change) a service of `organisation` at `places` (listed places, or the organisation's own)."""
    require(actor, Action.MANAGE_SERVICES, organisation)
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"Unknown service fields: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    if service is not None and service.organisation_id != organisation.pk:
        raise ValueError("The service belongs to another organisation.")
    if "kind" in values and values["kind"] not in AdviceService.Kind.values:
        errors["kind"] = [_("Choose the kind of service.")]
    if "name_it" in values and not (values["name_it"] or "").strip():
        errors["name_it"] = [_("Give the service a name in Italian.")]
    if "modes" in values and (not values["modes"] or any(m not in Mode.values for m in values["modes"])):
        errors["modes"] = [_("Choose how people meet the advisor: in person, by phone or by video call.")]
    if any(a not in Audience.values for a in values.get("audiences") or []):
        errors["audiences"] = [
            _("Choose audiences among: %(codes)s.") % {"codes": ", ".join(Audience.values)}
        ]
    if not places:
        errors["places"] = [_("Choose at least one place where the service is offered.")]
    else:
        listed = set(Place.objects.listed().values_list("pk", flat=True))
        if any(p.pk not in listed and p.operator_id != organisation.pk for p in places):
            errors["places"] = [_("Choose places listed in a register (or your own).")]
    if errors:
        raise ValidationError(errors)
    service = service or AdviceService(organisation=organisation)
    for name, value in values.items():
        setattr(service, name, value)
    service.full_clean(exclude=["organisation"])
    with transaction.atomic():
        service.save()
        service.places.set(places)
    return service


def add_advisor(
    actor, organisation: Organisation, username: str, display_name: str, services: list[AdviceService]
) -> Advisor:
    """Make a member of the organisation's staff an advisor of some of its services."""
    require(actor, Action.MANAGE_SERVICES, organisation)
    membership = (
        Membership.objects.filter(organisation=organisation, user__username=username.strip())
        .select_related("user")
        .first()
    )
    if membership is None:
        raise ValidationError(
            {"username": [_("Add this person to the organisation's staff first, then make them an advisor.")]}
        )
    if any(s.organisation_id != organisation.pk for s in services) or not services:
        raise ValidationError({"services": [_("Choose at least one of the organisation's services.")]})
    existing = Advisor.objects.filter(user=membership.user).first()
    if existing is not None and existing.organisation_id != organisation.pk:
        raise ValidationError(
            {"username": [_("This person is already an advisor for another organisation.")]}
        )
    with transaction.atomic():
        advisor = existing or Advisor(user=membership.user, organisation=organisation)
        advisor.display_name = display_name.strip() or membership.user.get_full_name() or username
        advisor.save()
        advisor.services.add(*services)
    return advisor
