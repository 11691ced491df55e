"""Forms of the agreements' pages; the agreement's form also validates the API's input (`save_agreement`)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.booking.models import Resource
from vicinato.register.models import Audience, OpeningHours, Organisation

from .models import Affiliation, Agreement, VoucherApplication

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        host = self.instance.host
        self.fields["resources"].queryset = Resource.objects.filter(place__operator=host).select_related(
            "place"
        )
        self.fields["resources"].label_from_instance = lambda r: f"{r.place.name} — {r.name}"
        self.fields["guests"].queryset = Organisation.objects.exclude(pk=host.pk)
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
    for name in ("guests", "communities", "resources"):
        data[name] = [obj.pk for obj in data[name]]
    data["price"] = agreement.price
    return {name: value for name, value in data.items() if value is not None}


class AgreementMoveForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in Agreement.TRANSITIONS], widget=forms.HiddenInput)
    note = forms.CharField(
        label=gettext_lazy("Note for the people who book"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cancel_bookings = forms.BooleanField(
        label=gettext_lazy("Cancel the bookings that have not started yet, and tell the people"),
        required=False,
        initial=True,
    )


class JoinForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"), queryset=Organisation.objects.all()
    )
    kind = forms.ChoiceField(label=gettext_lazy("As"), choices=Affiliation.Kind.choices)


class WorkEmailForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Work e-mail"),
        help_text=gettext_lazy("We send a link to this address; opening it confirms that you work there."),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail of the person"),
        required=False,
        help_text=gettext_lazy("Leave empty to get a link to pass on yourself."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("As"), choices=Affiliation.Kind.choices)


class DomainForm(forms.Form):
    domain = forms.CharField(
        label=gettext_lazy("E-mail domain"), max_length=200, help_text=gettext_lazy("e.g. example.it")
    )
    kind = forms.ChoiceField(label=gettext_lazy("As"), choices=Affiliation.Kind.choices)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VoucherApplicationForm(forms.ModelForm):
    class Meta:
        model = VoucherApplication
        fields = ["birth_date", "audience", "statement"]
        widgets = {"birth_date": DATE, "statement": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is not None and programme.audiences:
            self.fields["audience"].choices = [
                (c, label) for c, label in Audience.choices if c in programme.audiences
            ]


class DocumentForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("What it is"), max_length=200)
    file = forms.FileField(label=gettext_lazy("File (PDF, JPEG or PNG, at most 5 MB)"))
