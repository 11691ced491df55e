"""The forms of the agreements' pages that no service validates with: a change of an agreement's state, joining
an organisation, invitations and e-mail domains, a voucher application and its documents, a period of usage.
The forms the services validate with (an agreement, a programme, a community) are the app's own
(`vicinato.agreements.forms`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from vicinato.agreements.forms import DATE
from vicinato.agreements.models import Affiliation, Agreement, RequiredDocument, VoucherApplication
from vicinato.lib.forms import IdChoiceField
from vicinato.register.models import Audience, Organisation


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
    organisation = IdChoiceField(label=gettext_lazy("Organisation"), queryset=Organisation.objects.all())
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
    address = forms.EmailField(
        label=gettext_lazy("An address of yours at the domain"),
        help_text=gettext_lazy("A link sent to it proves the domain is the organisation's."),
    )


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
    requirement = IdChoiceField(
        label=gettext_lazy("Document"),
        queryset=RequiredDocument.objects.none(),
        required=False,
        empty_label=gettext_lazy("Another document"),
    )
    description = forms.CharField(
        label=gettext_lazy("What it is"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Needed for another document; optional for one the programme asks for."),
    )
    file = forms.FileField(label=gettext_lazy("File (PDF, JPEG or PNG, at most 5 MB)"))

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programme is not None:
            self.fields["requirement"].queryset = programme.required_documents.all()
        if not self.fields["requirement"].queryset.exists():
            del self.fields["requirement"]


class PeriodForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
