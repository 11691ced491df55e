"""Template helpers: Bootstrap Italia classes and accessible error wiring on form fields."""

from decimal import Decimal

from django import template
from django.utils.formats import number_format

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
