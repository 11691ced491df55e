"""Django admin for areas and stops."""

from django.contrib import admin

from .models import Area, Municipality, Stop

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
