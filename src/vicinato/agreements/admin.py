"""Django admin for site administrators; funders set up their programmes and organisations their communities
on the site's pages and through the API too. The ledger is read-only."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import consent, models


@admin.register(models.Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ["person", "organisation", "kind", "state", "method", "started_at", "ended_at"]
    list_filter = ["state", "method", "kind"]
    search_fields = ["person__username", "person__email", "organisation__legal_name"]
    readonly_fields = ["state"]


@admin.register(models.Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["organisation", "email", "kind", "expires_at", "accepted_at", "revoked_at"]


@admin.register(models.AllowedDomain)
class AllowedDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "organisation", "kind"]


@admin.register(models.Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "owner"]
    filter_horizontal = ["organisations"]


class AgreementEventInline(admin.TabularInline):
    model = models.AgreementEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_state", "to_state", "actor", "at", "note"]


class AgreementAdminForm(forms.ModelForm):
    """The admin's form of an agreement: the communities ticked are checked here (`consent.check_communities`), so
    that a refusal shows next to the field and nothing is saved, rather than a part of the invitations sent."""

    actor = None  # the site administrator, set by AgreementAdmin.get_form (which gives the model and fields)

    def clean(self):
        cleaned = super().clean()
        if "communities" in cleaned:
            try:
                consent.check_communities(self.actor, self.instance, sorted(cleaned["communities"], key=_pk))
            except ValidationError as refused:
                self.add_error(None, refused)
        return cleaned


def _pk(community: models.Community) -> int:
    return community.pk


@admin.register(models.Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementAdminForm
    list_display = ["name", "host", "state", "starts_on", "ends_on", "desks_per_day"]
    list_filter = ["state"]
    search_fields = ["name", "host__legal_name"]
    filter_horizontal = ["guests", "communities", "resources"]
    readonly_fields = ["state"]
    inlines = [AgreementEventInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_related(self, request, form, formsets, change):
        """A community ticked here is named as on the site's pages (`consent.invite_communities`): one without an
        owner joins at once (a site administrator runs it), any other is invited through its owner. The form
        has checked them (AgreementAdminForm); a refusal all the same (another request in between) is raised, so
        that the admin's transaction is rolled back whole."""
        before = set(form.instance.communities.all()) if change else set()
        super().save_related(request, form, formsets, change)
        agreement = form.instance
        new = set(agreement.communities.all()) - before
        agreement.communities.remove(*new)
        sent = consent.invite_communities(request.user, agreement, sorted(new, key=_pk))
        for invitation in sent:
            messages.info(
                request,
                _("%(community)s is invited; it becomes a guest once its owner's administrators accept.")
                % {"community": invitation.guest_community.name},
            )


@admin.register(models.AgreementBooking)
class AgreementBookingAdmin(admin.ModelAdmin):
    list_display = ["reservation", "agreement", "guest", "day"]
    readonly_fields = ["reservation", "agreement", "guest", "day"]


class RequiredDocumentInline(admin.TabularInline):
    model = models.RequiredDocument
    extra = 0


@admin.register(models.VoucherProgramme)
class VoucherProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name_it", "funder", "budget", "coverage_percent", "cap_per_person_year", "valid_until"]
    filter_horizontal = ["registers", "places", "reviewers"]
    inlines = [RequiredDocumentInline]


class VoucherDocumentInline(admin.TabularInline):
    model = models.VoucherDocument
    extra = 0


class DocumentCheckInline(admin.TabularInline):
    model = models.DocumentCheck
    extra = 0


class VoucherApplicationEventInline(admin.TabularInline):
    model = models.VoucherApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_state", "to_state", "actor", "at", "note"]


@admin.register(models.VoucherApplication)
class VoucherApplicationAdmin(admin.ModelAdmin):
    list_display = ["person", "programme", "state", "submitted_at", "decided_at"]
    list_filter = ["programme", "state"]
    readonly_fields = ["state"]
    inlines = [VoucherDocumentInline, DocumentCheckInline, VoucherApplicationEventInline]


@admin.register(models.LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["application", "day", "price", "share", "amount", "state"]
    list_filter = ["programme", "state", "year"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
