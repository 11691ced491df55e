"""Django admin for areas, stops and the street networks of municipalities."""

from django.contrib import admin

from .models import Area, Municipality, MunicipalNetwork, Stop, StreetNetwork, TransitFeed

admin.site.register(Municipality)


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "code", "population", "parent"]
    list_filter = ["level", "municipality"]
    exclude = ["geometry"]


@admin.register(Stop)
class StopAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "lines"]
    list_filter = ["kind"]


class ImportedAdmin(admin.ModelAdmin):
    """Read only: networks come from `vicinato import-osm`, their feeds from `vicinato import-gtfs`."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StreetNetwork)
class StreetNetworkAdmin(ImportedAdmin):
    list_display = ["source_name", "source_sha256", "build_version", "imported_at"]
    exclude = ["source_file"]


@admin.register(TransitFeed)
class TransitFeedAdmin(ImportedAdmin):
    list_display = ["name", "sha256", "imported_at"]
    exclude = ["content"]


@admin.register(MunicipalNetwork)
class MunicipalNetworkAdmin(ImportedAdmin):
    list_display = ["istat_code", "network"]
