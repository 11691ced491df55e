"""Amounts in the units people use: lengths of time in days, hours and minutes, prices in euros with cents.

Models keep minutes and euro cents (the engine counts in them, the API speaks them); the form fields here show
and read the people's units and give back the stored ones, so a page converts and nothing stored changes."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

DAY = 24 * 60


def spoken_minutes(minutes: int) -> str:
    """A length as people say it: 90 -> "1 h 30 min", 45 -> "45 min", 2880 -> "2 days", 0 -> "0 min"."""
    minutes = int(minutes)
    days, rest = divmod(minutes, DAY)
    if days and not rest:
        return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes}


# The parts a length is typed in: (name shown next to its box, minutes in one, largest value allowed).
DAYS = (gettext_lazy("days"), DAY, None)
HOURS = (gettext_lazy("hours"), 60, None)
MINUTES = (gettext_lazy("minutes"), 1, 59)


class LengthWidget(forms.MultiWidget):
    """One number box per part (days, hours, minutes), each with its unit as its label."""

    template_name = "widgets/length.html"  # in the web app's templates, where the form renderer looks

    def __init__(self, parts, attrs=None):
        self.parts = parts
        boxes = []
        for _name, _size, largest in parts:
            box = {"min": 0, "inputmode": "numeric", "class": "form-control vicinato-length-part"}
            if largest is not None:
                box["max"] = largest
            boxes.append(forms.NumberInput(attrs=box))
        super().__init__(boxes, attrs)

    def id_for_label(self, id_):
        # The field's label names the first box (Django's MultiWidget names none: a label for nothing).
        return f"{id_}_0" if id_ else ""

    def decompress(self, value):
        if value in (None, ""):
            return [None] * len(self.parts)
        left, values = int(value), []
        for _name, size, _largest in self.parts:
            values.append(left // size)
            left %= size
        return values

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, (unit, _size, _largest) in zip(
            context["widget"]["subwidgets"], self.parts, strict=True
        ):
            subwidget["unit"] = unit
            # The outer class (form-control, is-invalid) is the part's own here, kept with the error state.
            classes = subwidget["attrs"].get("class", "")
            subwidget["attrs"]["class"] = " ".join(dict.fromkeys([*classes.split(), "vicinato-length-part"]))
        return context


class LengthField(forms.MultiValueField):
    """A length typed in `parts` (e.g. hours and minutes), cleaned to whole minutes; empty parts count 0, all
    empty is no value."""

    def __init__(self, parts=(HOURS, MINUTES), **kwargs):
        fields = [forms.IntegerField(min_value=0, max_value=largest) for _n, _s, largest in parts]
        self.parts = parts
        kwargs.setdefault("widget", LengthWidget(parts))
        kwargs.pop("min_value", None)
        kwargs.pop("max_value", None)
        super().__init__(fields, require_all_fields=False, **kwargs)
        for field in self.fields:
            field.required = False

    def compress(self, data_list):
        if not data_list or all(value in (None, "") for value in data_list):
            return None
        return sum((value or 0) * size for value, (_n, size, _l) in zip(data_list, self.parts, strict=True))


class EuroCentsField(forms.DecimalField):
    """A price typed in euros with up to two decimals ("2.50", or "2,50" in Italian), cleaned to euro cents."""

    def __init__(self, **kwargs):
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        super().__init__(min_value=Decimal("0"), max_digits=9, decimal_places=2, **kwargs)
        self.widget.attrs.setdefault("step", "0.01")
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value):
        # Stored cents come in as an int; what a person typed comes back as text and is shown as typed.
        if isinstance(value, int) and not isinstance(value, bool):
            return (Decimal(value) / 100).quantize(Decimal("0.01"))
        return value

    def clean(self, value):
        euros = super().clean(value)
        return None if euros is None else int(euros * 100)  # at most two decimals: whole cents
