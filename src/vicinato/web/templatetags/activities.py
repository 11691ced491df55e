"""The activities' section of a place's page: its advice services and its coming public events."""

from django import template

from vicinato.activities.models import AdviceService
from vicinato.activities.permissions import Action, can
from vicinato.activities.services.agenda import AgendaFilter, agenda

register = template.Library()


@register.inclusion_tag("activities/_place_section.html", takes_context=True)
def place_activities(context, place):
    user = context.get("user")
    return {
        "place": place,
        "services": AdviceService.objects.filter(places=place, is_active=True).select_related("organisation"),
        "events": list(agenda(AgendaFilter(place=place.public_id))[:5]),
        "is_operator": user is not None and can(user, Action.VIEW_PLACE_SLOTS, place),
    }
