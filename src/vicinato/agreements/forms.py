"""The forms the agreements' services validate with, whoever calls them (pages and API alike): an agreement
(`services.save_agreement`), a voucher programme and its required documents (`vouchers.save_programme`), a
community (`communities.save_community`); and each one's current terms as form data, for partial updates."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, validate_email
from django.forms.models import inlineformset_factory, model_to_dict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.booking.models import Resource
from vicinato.lib.forms import IdsChoiceField, short_texts
from vicinato.register.models import Audience, OpeningHours, Organisation, Place, Register

from . import consent
from .models import (
    Agreement,
    Community,
    RequiredDocument,
    VoucherProgramme,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class AgreementForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Weekdays"),
        choices=OpeningHours.Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    price = forms.DecimalField(
        label=gettext_lazy("Price per desk-day charged to the guest (EUR)"),
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        initial=Decimal("0"),
    )

    class Meta:
        model = Agreement
        fields = [
            "name",
            "description",
            "guests",
            "communities",
            "resources",
            "desks_per_day",
            "weekdays",
            "opens_at",
            "closes_at",
            "starts_on",
            "ends_on",
            "days_per_month_per_person",
            "approval",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "opens_at": TIME,
            "closes_at": TIME,
            "guests": forms.CheckboxSelectMultiple,
            "communities": forms.CheckboxSelectMultiple,
            "resources": forms.CheckboxSelectMultiple,
        }
        field_classes = {"guests": IdsChoiceField, "communities": IdsChoiceField, "resources": IdsChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        host = self.instance.host
        self.fields["resources"].queryset = Resource.objects.filter(place__operator=host).select_related(
            "place"
        )
        self.fields["resources"].label_from_instance = lambda r: f"{r.place.name} — {r.name}"
        self.fields["guests"].queryset = Organisation.objects.exclude(pk=host.pk)
        self.initial["guests"] = consent.named(self.instance)
        self.initial["communities"] = consent.named_communities(self.instance)
        self.fields["communities"].help_text = gettext_lazy(
            "Every organisation of these communities is a guest. A community you do not run is invited: it "
            "becomes a guest once an administrator of the organisation that runs it accepts."
        )
        self.fields["price"].initial = self.instance.price

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The end of the bookable hours must come after their start."))
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day must not come before the first; choose a later one."))
        if "price" in data and data["price"] is not None:
            self.instance.price_cents_per_day = int(data["price"] * 100)
        return data


def agreement_data(agreement: Agreement) -> dict:
    """The agreement's current terms as form data, to which a partial update adds its changes."""
    data = model_to_dict(agreement, fields=AgreementForm.Meta.fields)
    data["resources"] = [obj.pk for obj in data["resources"]]
    data["guests"] = consent.named(agreement)  # an invitation not answered yet stays
    data["communities"] = consent.named_communities(agreement)
    data["price"] = agreement.price
    return {name: value for name, value in data.items() if value is not None}


# --- the funder's desk: voucher programmes ---------------------------------------------------------------------
def _reviewers(programme: VoucherProgramme, text: str) -> tuple[list, list[str], list[str]]:
    """What a programme's reviewers field names, one per line or separated by commas: its reviewers who stay
    (by username or e-mail), the e-mail addresses to invite, and the entries that are neither. Nobody but the
    programme's own reviewers is looked up, so the answer says nothing of other accounts."""
    names = [n for n in re.split(r"[\s,;]+", text or "") if n]
    current = list(programme.reviewers.all()) if programme.pk else []
    kept, emails, wrong = [], [], []
    for name in dict.fromkeys(names):
        user = next(
            (u for u in current if u.username == name or (u.email and u.email.lower() == name.lower())), None
        )
        if user is not None:
            if user not in kept:
                kept.append(user)
            continue
        try:
            validate_email(name)
        except ValidationError:
            wrong.append(name)
        else:
            emails.append(name)
    return kept, emails, wrong


class ProgrammeForm(forms.ModelForm):
    """A voucher programme's terms, on the funder's desk and through the API (`vouchers.save_programme`)."""

    audiences = forms.MultipleChoiceField(
        label=gettext_lazy("Who may apply"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: everyone."),
    )
    reviewers = forms.CharField(
        label=gettext_lazy("Reviewers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "One per line. To add a reviewer, enter their e-mail address: they receive an invitation and "
            "become a reviewer once they accept it, signed in with an account of that address. Remove a line "
            "to remove a reviewer or take back an invitation. The funder's administrators and staff review "
            "anyway."
        ),
    )

    class Meta:
        model = VoucherProgramme
        fields = [
            "name_it",
            "name_en",
            "description_it",
            "description_en",
            "budget",
            "coverage_percent",
            "cap_per_person_year",
            "registers",
            "places",
            "audiences",
            "younger_than",
            "priority_younger_than",
            "applications_from",
            "applications_until",
            "valid_from",
            "valid_until",
        ]
        widgets = {
            **short_texts("description_it", "description_en"),
            "registers": forms.CheckboxSelectMultiple,
            "places": forms.CheckboxSelectMultiple,
            "applications_from": DATE,
            "applications_until": DATE,
            "valid_from": DATE,
            "valid_until": DATE,
        }
        field_classes = {"registers": IdsChoiceField, "places": IdsChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        registers, places = self.fields["registers"], self.fields["places"]
        registers.queryset, registers.to_field_name = Register.objects.order_by("name_it"), "slug"
        registers.label_from_instance = lambda r: r.name
        places.queryset, places.to_field_name = Place.objects.order_by("name_it"), "public_id"
        places.label_from_instance = lambda p: f"{p.name} — {p.address}" if p.address else p.name
        places.help_text = gettext_lazy("Besides those listed in the registers above.")
        for name in ("younger_than", "priority_younger_than"):
            self.fields[name].validators += [MinValueValidator(1), MaxValueValidator(130)]
            self.fields[name].widget.attrs.update(min=1, max=130)
        if self.instance.pk and not self.is_bound:
            self.initial["reviewers"] = "\n".join(named_reviewers(self.instance))

    def clean_reviewers(self) -> tuple[list, list[str]]:
        kept, emails, wrong = _reviewers(self.instance, self.cleaned_data.get("reviewers", ""))
        if wrong:
            raise ValidationError(
                _(
                    "%(names)s: not an e-mail address. A username no longer adds a reviewer: enter their e-mail "
                    "address, and they become a reviewer by accepting the invitation sent there."
                )
                % {"names": ", ".join(wrong)}
            )
        return kept, emails

    def clean(self):
        data = super().clean()
        pairs = (
            ("applications_from", "applications_until", _("Applications must close on or after they open.")),
            ("valid_from", "valid_until", _("The last day covered must not come before the first.")),
        )
        for first, last, message in pairs:
            if data.get(first) and data.get(last) and data[last] < data[first]:
                self.add_error(last, message)
        if (
            data.get("applications_from")
            and data.get("valid_until")
            and data["applications_from"] > data["valid_until"]
        ):
            self.add_error(
                "applications_from", _("Applications must open before the programme stops covering bookings.")
            )
        return data

    def save(self, commit: bool = True):
        programme = super().save(commit=commit)
        if commit:
            # Only those already reviewers stay or go; the e-mails named are invited (`vouchers.save_programme`).
            programme.reviewers.set(self.cleaned_data["reviewers"][0])
        return programme


class RequiredDocumentForm(forms.ModelForm):
    class Meta:
        model = RequiredDocument
        fields = ["label_it", "label_en"]
        labels = {
            "label_it": gettext_lazy("Document (Italian)"),
            "label_en": gettext_lazy("Document (English)"),
        }
        help_texts = {"label_it": gettext_lazy("e.g. ISEE, proof of self-employment")}


RequiredDocumentFormSet = inlineformset_factory(
    VoucherProgramme,
    RequiredDocument,
    form=RequiredDocumentForm,
    extra=2,
    can_delete=True,
    max_num=30,
    validate_max=True,
)


def named_reviewers(programme: VoucherProgramme) -> list[str]:
    """The usernames of the programme's reviewers, then the addresses invited that have not accepted yet."""
    users = [u.username for u in programme.reviewers.order_by("username")]
    return users + [i.email for i in consent.invited_reviewers(programme)]


def programme_data(programme: VoucherProgramme) -> dict:
    """The programme's current terms as form data, to which a partial update adds its changes."""
    data = model_to_dict(programme, fields=ProgrammeForm.Meta.fields)
    data["registers"] = [r.slug for r in programme.registers.all()]
    data["places"] = [p.public_id for p in programme.places.all()]
    data["reviewers"] = "\n".join(named_reviewers(programme))  # an invitation not accepted yet stays
    return {name: value for name, value in data.items() if value is not None}


# --- communities -----------------------------------------------------------------------------------------------
class CommunityForm(forms.ModelForm):
    class Meta:
        model = Community
        fields = ["name", "description", "organisations"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "organisations": forms.CheckboxSelectMultiple,
        }
        field_classes = {"organisations": IdsChoiceField}
        help_texts = {
            "organisations": gettext_lazy(
                "Every organisation ticked is a guest of the agreements that name the community."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.order_by("legal_name")
        self.fields["organisations"].label_from_instance = lambda o: o.legal_name
        self.initial["organisations"] = consent.named(self.instance)


def community_data(community: Community) -> dict:
    return {
        "name": community.name,
        "description": community.description,
        "organisations": consent.named(community),  # an invitation not answered yet stays
    }
