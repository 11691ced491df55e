"""Values every page needs: the site's name, who runs it and map settings."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from vicinato.register.models import Membership
from vicinato.register.permissions import reviewed_registers


def person_roles(user) -> dict[str, bool]:
    """What the menu offers a person: "Manage" to whoever runs an organisation (or the site), "Review" to a
    register's reviewers; each page's own permission check still decides."""
    if not user.is_authenticated:
        return {"manages": False, "reviews": False}
    return {
        "manages": user.is_superuser or Membership.objects.filter(user=user).exists(),
        "reviews": reviewed_registers(user).exists(),
    }


def site(request):
    return {
        "SITE_NAME": "Vicinato",
        # Asked only by a page that shows the signed-in menu.
        "ROLES": SimpleLazyObject(lambda: person_roles(request.user)),
        "SITE_OWNER": settings.SITE_OWNER,
        "CONTACT_EMAIL": settings.CONTACT_EMAIL,
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
    }
