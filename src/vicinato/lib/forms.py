"""Between Django forms and services: a form's errors as the service's refusal, and a refusal onto a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def form_errors(form: forms.BaseForm, *formsets: forms.BaseFormSet) -> ValidationError:
    """The errors of a form (and of its formsets) as one ValidationError per field, with their codes.

    A formset's fields are named as in its HTML (`<prefix>-<index>-<field>`), its own errors by its prefix."""
    errors: dict[str, list[ValidationError]] = {
        name: list(found) for name, found in form.errors.as_data().items()
    }
    for formset in formsets:
        for index, member in enumerate(formset.forms):
            for name, found in member.errors.as_data().items():
                errors[f"{formset.prefix}-{index}-{name}"] = list(found)
        if formset.non_form_errors():
            errors[formset.prefix] = list(formset.non_form_errors().as_data())
    return ValidationError(errors)


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal next to the form's fields (above the form, for the fields it does not have)."""
    for field, messages in error.message_dict.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def short_texts(*names: str, rows: int = 3) -> dict[str, forms.Textarea]:
    """A ModelForm's widgets for texts of a few lines (a description in each language): a small textarea each."""
    return {name: forms.Textarea(attrs={"rows": rows}) for name in names}
