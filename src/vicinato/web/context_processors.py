"""Values every page needs: the site's name and map settings."""

from django.conf import settings


def site(request):
    return {
        "SITE_NAME": "Vicinato",
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
    }
