"""Top-level URLs: pages under language prefixes, API and open data without."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from vicinato.api.api import api
from vicinato.web import media, opendata
from vicinato.web.site import federation, identity

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("opendata/places.csv", opendata.places_csv, name="opendata-csv"),
    path("opendata/places.geojson", opendata.places_geojson, name="opendata-geojson"),
    path("opendata/places.json", opendata.places_json, name="opendata-json"),
    path("opendata/impact.csv", opendata.impact_csv, name="opendata-impact-csv"),
    path("opendata/catalog.json", opendata.catalog_json, name="opendata-catalog"),
    # Uploaded photos, from whichever storage STORAGES["default"] names (see vicinato.web.media).
    path("media/<slug:folder>/<path:name>", media.public_file, name="media"),
    # SPID and CIE (OpenID Connect): where providers send people back, and this site's public key; one address
    # whatever the language, as providers register it.
    path("oidc/callback/", identity.callback, name="identity_callback"),
    path("oidc/jwks.json", identity.jwks, name="identity_jwks"),
    # Its Entity Configuration in the SPID/CIE OpenID Federation (a JWT signed with its federation key).
    path(
        ".well-known/openid-federation", federation.entity_configuration, name="identity_entity_configuration"
    ),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("vicinato.web.urls")),
    prefix_default_language=False,
)

handler403 = "vicinato.web.site.errors.error_403"
handler404 = "vicinato.web.site.errors.error_404"
handler500 = "vicinato.web.site.errors.error_500"
