"""Django admin for site administrators; operators use the site's pages and the API."""

from django.contrib import admin

from . import models


class BlockInline(admin.TabularInline):
    model = models.Block
    extra = 0


@admin.register(models.Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name_it", "kind", "place", "capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name_it", "place__name_it"]
    inlines = [BlockInline]


@admin.register(models.Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ["resource", "person", "start", "end", "state"]
    list_filter = ["state"]
    readonly_fields = ["state"]


admin.site.register(models.WaitingListEntry)


@admin.register(models.MonthlyPass)
class MonthlyPassAdmin(admin.ModelAdmin):
    # Taken and cancelled through `services.passes` (its rules and the bookings it covers): read here.
    list_display = ["resource", "person", "month", "price_cents", "state"]
    list_filter = ["state"]
    readonly_fields = ["person", "resource", "month", "price_cents", "state", "created_at", "cancelled_at"]
