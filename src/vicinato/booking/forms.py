"""The form that validates a resource and its rules; the operator's pages and the API share it."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from vicinato.lib.forms import IdsChoiceField
from vicinato.lib.units import spoken_minutes
from vicinato.register.models import Organisation

from . import services
from .models import Resource
from .permissions import Action, require

W = Resource.WhoMayBook


# The resource's fields in groups, (legend, fields) in the order the page shows them.
FIELDSETS = [
    (gettext_lazy("What it is"), ["kind", "name_it", "name_en", "capacity", "is_active"]),
    (
        gettext_lazy("Length of a booking"),
        ["slot_minutes", "min_minutes", "max_minutes", "buffer_minutes"],
    ),
    (
        gettext_lazy("When people can book, cancel and check in"),
        ["min_notice_minutes", "max_days_ahead", "cancellation_deadline_minutes", "checkin_window_minutes"],
    ),
    (gettext_lazy("Limits per person"), ["max_per_day_per_person", "max_per_week_per_person"]),
    (
        gettext_lazy("Who may book, and how"),
        ["who_may_book", "organisations", "requires_approval", "offer_minutes"],
    ),
    (gettext_lazy("Price"), ["price_cents_per_slot", "price_cents_per_day", "price_cents_per_month"]),
]


class ResourceForm(forms.ModelForm):
    organisations = IdsChoiceField(
        queryset=Organisation.objects.order_by("legal_name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Organisations whose members may book"),
        help_text=gettext_lazy("Only with “Members of the given organisations” above."),
    )

    class Meta:
        model = Resource
        fields = [name for _legend, names in FIELDSETS for name in names]
        help_texts = {
            "name_en": gettext_lazy("Shown on the English pages; the Italian name is used when empty."),
            "capacity": gettext_lazy(
                "How many people can book it at the same time (e.g. 8 desks of a room, 1 meeting room)."
            ),
            "is_active": gettext_lazy("Untick to stop new bookings; existing bookings stay."),
            "min_minutes": gettext_lazy("A whole number of slots."),
            "max_minutes": gettext_lazy("A whole number of slots, at least the shortest booking."),
            "min_notice_minutes": gettext_lazy("0: people may book up to the start."),
            "max_days_ahead": gettext_lazy("0: only today."),
            "cancellation_deadline_minutes": gettext_lazy(
                "People may cancel until this long before the start; the place may cancel at any time."
            ),
            "max_per_day_per_person": gettext_lazy(
                "Counted over all the resources of this place; empty: no limit."
            ),
            "max_per_week_per_person": gettext_lazy(
                "Counted over all the resources of this place, Monday to Sunday; empty: no limit."
            ),
            "who_may_book": gettext_lazy(
                "Agreements are managed with the employers and associations that hold them."
            ),
            "requires_approval": gettext_lazy("Bookings wait for confirmation on the day plan."),
            "offer_minutes": gettext_lazy(
                "When a unit frees up, the first in the waiting list has this long to take it."
            ),
            "price_cents_per_slot": gettext_lazy("In euro cents: 250 is € 2.50; 0 is free of charge."),
            "price_cents_per_day": gettext_lazy(
                "In euro cents. A day pass: no booking costs more than this for each day it covers; with "
                "no price per slot, each day costs this. Empty: no price per day."
            ),
            "price_cents_per_month": gettext_lazy(
                "In euro cents. A monthly pass: its holder's bookings in that calendar month cost nothing for "
                "one unit. Empty: no monthly pass."
            ),
        }
        widgets = {"who_may_book": forms.Select(attrs={"data-shows-organisations": W.MEMBERS})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.has_named_units:
            # Its capacity follows its named units (`units.py`); a page may show it disabled.
            self.fields["capacity"].help_text = gettext_lazy(
                "The number of its named units taking bookings: add or deactivate units to change it."
            )

    def fieldsets(self):
        """(legend, bound fields) of each group, for the template."""
        return [(legend, [self[name] for name in names]) for legend, names in FIELDSETS]

    def shows_organisations(self) -> bool:
        value = self["who_may_book"].value()
        return value == W.MEMBERS

    def clean_min_minutes(self):
        return self._whole_slots("min_minutes")

    def clean_max_minutes(self):
        return self._whole_slots("max_minutes")

    def _whole_slots(self, name: str) -> int | None:
        minutes, slot = self.cleaned_data.get(name), self.cleaned_data.get("slot_minutes")
        if minutes is not None and slot and (minutes < slot or minutes % slot):
            raise forms.ValidationError(
                _("Choose a whole number of slots of %(slot)s, e.g. %(example)s.")
                % {
                    "slot": spoken_minutes(slot),
                    "example": spoken_minutes(max(slot, minutes - minutes % slot)),
                }
            )
        return minutes

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if self.instance.has_named_units and capacity != self.instance.capacity:
            raise forms.ValidationError(
                _(
                    "This resource has %(count)d named units taking bookings, and that is its capacity; add or "
                    "deactivate named units to change it."
                )
                % {"count": self.instance.capacity}
            )
        if capacity is not None and self.instance.pk:
            peak = services.peak_held_from(self.instance, timezone.now())
            if capacity < peak:
                raise forms.ValidationError(
                    ngettext(
                        "Bookings ahead hold %(peak)d unit at the same time; keep at least %(peak)d, "
                        "or cancel bookings first.",
                        "Bookings ahead hold %(peak)d units at the same time; keep at least %(peak)d, "
                        "or cancel bookings first.",
                        peak,
                    )
                    % {"peak": peak}
                )
        return capacity

    def clean(self):
        data = super().clean()
        low, high = data.get("min_minutes"), data.get("max_minutes")
        if low is not None and high is not None and high < low:
            self.add_error("max_minutes", _("The longest booking must not be shorter than the shortest."))
        day, week = data.get("max_per_day_per_person"), data.get("max_per_week_per_person")
        if day is not None and week is not None and week < day:
            self.add_error(
                "max_per_week_per_person", _("The weekly limit must not be lower than the daily one.")
            )
        if data.get("who_may_book") == W.AGREEMENT and data.get("price_cents_per_month") is not None:
            self.add_error(
                "price_cents_per_month",
                _(
                    "Holders of an agreement book day by day at the agreement's price: leave the monthly pass "
                    "empty, or let others book this resource."
                ),
            )
        if data.get("who_may_book") == W.MEMBERS:
            if not data.get("organisations"):
                self.add_error("organisations", _("Choose at least one organisation whose members may book."))
        else:
            data["organisations"] = []
        return data


def save_resource(actor, form: ResourceForm) -> Resource | None:
    """Validate and save a resource of `form.instance.place`; None when the form has errors to show.

    The resource's row is locked while its capacity is checked, as bookings do, so that a booking made at
    the same moment is counted."""
    require(actor, Action.MANAGE_RESOURCES, form.instance.place)
    with transaction.atomic():
        if form.instance.pk:
            Resource.objects.select_for_update().filter(pk=form.instance.pk).first()
        if not form.is_valid():
            return None
        return form.save()
