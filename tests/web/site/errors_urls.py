"""The site's URLs plus one view that fails, to see the 500 page through the whole stack."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from vicinato.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, *i18n_patterns(path("guasto/", boom), prefix_default_language=False)]
