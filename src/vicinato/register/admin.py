"""Django admin for site administrators (the workflow itself lives in the site's pages)."""

from django.contrib import admin

from . import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "kind", "partita_iva", "codice_fiscale", "is_demo"]
    list_filter = ["kind", "is_demo"]
    search_fields = ["legal_name", "partita_iva", "codice_fiscale"]
    inlines = [MembershipInline]


class OpeningHoursInline(admin.TabularInline):
    model = models.OpeningHours
    extra = 0


@admin.register(models.Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name_it", "kind", "operator", "district", "neighbourhood", "desks", "is_demo"]
    list_filter = ["kind", "district", "is_demo"]
    search_fields = ["name_it", "address", "public_id"]
    inlines = [OpeningHoursInline]


class RequirementInline(admin.StackedInline):
    model = models.Requirement
    extra = 0


@admin.register(models.Register)
class RegisterAdmin(admin.ModelAdmin):
    list_display = ["name_it", "owner", "validity_months", "is_open"]
    inlines = [RequirementInline]
    filter_horizontal = ["reviewers"]


@admin.register(models.Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["place", "register", "state", "submitted_at", "expires_at"]
    list_filter = ["register", "state"]
    readonly_fields = ["state"]


admin.site.register(models.Amenity)
admin.site.register(models.ApiToken)
