"""Django admin for site administrators (the workflow itself lives in the site's pages)."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, ngettext

from vicinato.lib import personal_data
from vicinato.lib.errors import Conflict

from . import models
from .services import approve_organisation

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "kind", "partita_iva", "codice_fiscale", "approved_at", "is_demo"]
    list_filter = ["kind", "is_demo", ("approved_at", admin.EmptyFieldListFilter)]
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


@admin.action(description=gettext_lazy("Delete the personal data of the selected people"))
def forget_people(modeladmin, request, queryset):
    """The account page's deletion, for a site administrator (e.g. a voucher beneficiary who asked by letter):
    the same rule, the same refusals; what the ledger and statistics keep stays, anonymised."""
    forgotten = 0
    for person in queryset:
        label = person.get_username()
        try:
            personal_data.forget(person)
        except personal_data.StillOpen as refused:
            modeladmin.message_user(request, f"{label}: {refused}", messages.ERROR)
        else:
            forgotten += 1
    if forgotten:
        modeladmin.message_user(
            request,
            ngettext(
                "The personal data of %(count)d person are deleted.",
                "The personal data of %(count)d people are deleted.",
                forgotten,
            )
            % {"count": forgotten},
            messages.SUCCESS,
        )


admin.site.unregister(User)


class PersonChangeForm(UserChangeForm):
    def clean_email(self) -> str:
        """One account per address, whatever its case (the database refuses a second one too)."""
        email = self.cleaned_data["email"].strip()
        if email and User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError(gettext_lazy("Another account has this e-mail address; each has its own."))
        return email


class DigitalIdentityInline(admin.TabularInline):
    """The SPID/CIE identity linked to the account: seen and unlinked here, linked only by its owner."""

    model = models.DigitalIdentity
    fields = readonly_fields = ("kind", "fiscal_code", "linked_at", "last_used_at")
    extra = 0
    max_num = 0
    can_delete = True


@admin.register(User)
class PersonAdmin(UserAdmin):
    form = PersonChangeForm
    actions = [forget_people]
    inlines = [DigitalIdentityInline]


@admin.action(description=gettext_lazy("Approve the selected organisations"))
def approve_organisations(modeladmin, request, queryset):
    for organisation in queryset.filter(approved_at__isnull=True):
        try:
            approve_organisation(organisation)
        except Conflict as refused:
            modeladmin.message_user(request, str(refused), messages.ERROR)
        else:
            modeladmin.message_user(request, f"{organisation}: ✔", messages.SUCCESS)


OrganisationAdmin.actions = [approve_organisations]
