"""The objects that a request body names by identifier."""

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _


def named_in_body(found: type[Model] | QuerySet, field: str, **lookup):
    """The object that a body field names, or a 422 with a message on that field. A 404 speaks of the address
    asked for; an unknown identifier inside the body is a field to correct."""
    queryset = found if isinstance(found, QuerySet) else found._default_manager.all()
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        message = _("Nothing with this identifier exists; check the value.")
        raise ValidationError({field: ValidationError(message, code="not_found")}) from None
