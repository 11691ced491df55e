"""Template helpers: Bootstrap Italia classes and accessible error wiring on form fields."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from vicinato.lib.units import spoken_minutes

register = template.Library()


def _render(field, css_class: str):
    attrs = {"class": css_class + (" is-invalid" if field.errors else "")}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-help")
    if field.errors:
        attrs["aria-invalid"] = "true"
        described.append(f"{field.auto_id}-error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def form_fields(context, form, names: str):
    """`{% form_fields form "name description" %}`: each named field of `form` as includes/field.html shows it
    (label, widget, help and errors), as `{% include "includes/field.html" with field=... %}` would, one by one."""
    shown = context.template.engine.get_template("includes/field.html")
    parts = []
    for name in names.split():
        with context.push(field=form[name]):
            parts.append(shown.render(context))
    return mark_safe("".join(parts))  # noqa: S308  (the rendered template, escaped by the template itself)


@register.filter
def add_class_control(field):
    return _render(field, "form-control")


@register.filter
def add_class_select(field):
    return _render(field, "form-select")


@register.filter
def euros(cents) -> str:
    """An amount in euro cents as euros in the current language: 250 -> "2,50" (it), "2.50" (en)."""
    if cents in (None, ""):
        return ""
    return number_format(Decimal(int(cents)) / 100, 2, use_l10n=True, force_grouping=True)


@register.filter
def duration(minutes) -> str:
    """A length given in minutes as people say it: 90 -> "1 h 30 min" (see vicinato.lib.units)."""
    return "" if minutes in (None, "") else spoken_minutes(minutes)


@register.filter
def minutes(seconds) -> int:
    """Seconds as whole minutes for people: a walk of 61 s is 2 min (nobody is late by rounding down)."""
    return 0 if seconds in (None, "") else int(-(-float(seconds) // 60))


TRANSIT_MODES = {
    "metro": gettext_lazy("metro"),
    "tram": gettext_lazy("tram"),
    "bus": gettext_lazy("bus"),
    "rail": gettext_lazy("train"),
    "ferry": gettext_lazy("ferry"),
    "trolleybus": gettext_lazy("trolleybus"),
}


@register.filter
def transit_mode(mode: str) -> str:
    """A GTFS route type's name in the active language (metro, tram, bus...)."""
    return str(TRANSIT_MODES.get(mode, mode))


@register.filter
def get_item(mapping, key):
    """A dict's value in a template (None when the dict or the key is missing)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
