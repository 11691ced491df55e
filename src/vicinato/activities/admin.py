"""The activities in Django's admin: services, advisors, events; never the reasons of appointments."""

from django.contrib import admin

from .models import AdviceService, Advisor, Appointment, Event, Registration, Session


@admin.register(AdviceService)
class AdviceServiceAdmin(admin.ModelAdmin):
    list_display = ("name_it", "kind", "organisation", "minutes", "is_active")
    list_filter = ("kind", "is_active")
    filter_horizontal = ("places",)


@admin.register(Advisor)
class AdvisorAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "organisation")
    filter_horizontal = ("services",)


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    # The reason is private to the person and the advisor: the admin never shows it.
    list_display = ("service", "advisor", "place", "start", "state")
    list_filter = ("state",)
    exclude = ("reason",)
    readonly_fields = ("service", "advisor", "place", "person", "start", "end", "state")


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    readonly_fields = ("block",)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title_it", "kind", "organiser", "place", "starts_at", "state")
    list_filter = ("kind", "state", "is_public")
    inlines = [SessionInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("event", "person", "state", "position", "created_at")
    list_filter = ("state",)
