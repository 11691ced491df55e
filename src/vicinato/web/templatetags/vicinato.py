"""Template helpers: Bootstrap Italia classes and accessible error wiring on form fields."""

from django import template

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
