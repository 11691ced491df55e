"""Keep the travel-time indexes in step with the register: a place added, moved, listed or removed gives the
listed places a new version (in the same transaction), and every process updates its indexes from it."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from vicinato.geo import travel

from .models import Application, Place


@receiver(post_save, sender=Place)
def place_saved(sender, instance: Place, **kwargs):
    travel.places_changed()


@receiver(post_delete, sender=Place)
def place_deleted(sender, instance: Place, **kwargs):
    travel.places_changed()


@receiver(post_save, sender=Application)
def application_saved(sender, instance: Application, **kwargs):
    travel.places_changed()
