"""Keep the travel-time index in step with the register: a place added, moved, listed or removed."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from vicinato.geo import transit, travel

from .models import Application, Place


def _sync(place: Place, deleted: bool = False) -> None:
    listed = not deleted and Place.objects.listed().filter(pk=place.pk).exists()

    def sync() -> None:
        travel.sync_place(place.public_id, place.lat, place.lon, listed)
        transit.drop_indexes()  # rebuilt from the listed places on the next search by public transport

    transaction.on_commit(sync)


@receiver(post_save, sender=Place)
def place_saved(sender, instance: Place, **kwargs):
    _sync(instance)


@receiver(post_delete, sender=Place)
def place_deleted(sender, instance: Place, **kwargs):
    _sync(instance, deleted=True)


@receiver(post_save, sender=Application)
def application_saved(sender, instance: Application, **kwargs):
    _sync(instance.place)
