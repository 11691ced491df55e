"""Impact in Django's admin: results read-only; commute profiles never show their points."""

from django.contrib import admin

from .models import BookingImpact, CommuteProfile


@admin.register(CommuteProfile)
class CommuteProfileAdmin(admin.ModelAdmin):
    # Home and work are personal even when coarse: the admin lists the NILs only.
    list_display = ("person", "usual_mode", "office_days", "home_area", "work_area", "employer", "updated_at")
    list_filter = ("usual_mode",)
    exclude = ("home_lat", "home_lon", "work_lat", "work_lon")
    readonly_fields = ("person", "consented_at", "home_area", "work_area")


@admin.register(BookingImpact)
class BookingImpactAdmin(admin.ModelAdmin):
    list_display = ("day", "place", "home_area", "trip_mode", "avoided_mode", "saved_minutes", "co2_g")
    list_filter = ("avoided_mode", "into_centre", "in_peak", "factors_version")
    date_hierarchy = "day"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
