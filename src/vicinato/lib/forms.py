"""Between Django forms and services: a form's errors as the service's refusal, and a refusal onto a form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .ids import MAX_ID


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


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of objects that refuses, as a choice that does not exist, an id no database can hold:
    Django looks such ids up with `pk__in`, which SQLite answers with an OverflowError (a 500)."""

    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value:
                try:
                    number = int(str(pk).strip())
                except (TypeError, ValueError):
                    continue  # Django's own check says that it is not a valid id
                if not -MAX_ID - 1 <= number <= MAX_ID:
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                    )
        return super()._check_values(value)


class IdChoiceField(forms.ModelChoiceField):
    """One object by id, refusing ids no database can hold as a choice that does not exist."""

    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None:
            try:
                number = int(str(value).strip())
            except (TypeError, ValueError):
                number = 0
            if not -MAX_ID - 1 <= number <= MAX_ID:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)
