"""Forms that validate places and filters; the web pages and the API share them."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo.models import Area
from vicinato.geo.services import locate
from vicinato.lib.forms import IdsChoiceField
from vicinato.lib.uploads import PhotoField

from .models import Accessibility, Amenity, Audience, Organisation, Place, Register


class PlaceForm(forms.ModelForm):
    amenities = IdsChoiceField(
        queryset=Amenity.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Amenities"),
    )
    audiences = forms.MultipleChoiceField(
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Audiences"),
    )
    accessibility = forms.MultipleChoiceField(
        choices=Accessibility.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Accessibility"),
    )

    class Meta:
        model = Place
        fields = [
            "kind",
            "name_it",
            "name_en",
            "description_it",
            "description_en",
            "address",
            "postcode",
            "lat",
            "lon",
            "desks",
            "amenities",
            "audiences",
            "accessibility",
            "email",
            "phone",
            "website",
            "photo",
            "photo_alt",
        ]
        # A new photo is limited in size, decoded and re-encoded (vicinato.lib.uploads).
        field_classes = {"photo": PhotoField}
        widgets = {
            "description_it": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "lat": forms.NumberInput(attrs={"step": "any"}),
            "lon": forms.NumberInput(attrs={"step": "any"}),
        }

    def clean_postcode(self):
        postcode = self.cleaned_data.get("postcode", "").strip()
        if postcode and (len(postcode) != 5 or not postcode.isdigit()):
            raise forms.ValidationError(_("A postcode (CAP) has 5 digits, e.g. 20126."))
        return postcode

    def clean(self):
        cleaned = super().clean()
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        if lat is None or lon is None:
            return cleaned
        location = locate(lat, lon)
        if not location.inside:
            self.add_error(
                "lat",
                _(
                    "These coordinates (%(lat).5f, %(lon).5f) fall outside every municipality served by "
                    "Vicinato; check them (latitude first, e.g. 45.46 for Milan) or pick the point on the map."
                )
                % {"lat": lat, "lon": lon},
            )
            return cleaned
        self.instance.municipality = location.municipality
        self.instance.district = location.district
        self.instance.neighbourhood = location.neighbourhood
        if cleaned.get("photo") and not cleaned.get("photo_alt"):
            self.add_error("photo_alt", _("Describe the photo for people who cannot see it."))
        return cleaned


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "kind",
            "legal_name",
            "partita_iva",
            "codice_fiscale",
            "email",
            "pec",
            "phone",
            "website",
            "address",
        ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("partita_iva") and not cleaned.get("codice_fiscale") and not self.errors:
            raise forms.ValidationError(_("Give the partita IVA or the codice fiscale of the organisation."))
        candidate = Organisation(
            pk=self.instance.pk,
            partita_iva=cleaned.get("partita_iva", ""),
            codice_fiscale=cleaned.get("codice_fiscale", ""),
        )
        if not self.errors and candidate.same_identity().exists():
            raise forms.ValidationError(
                _(
                    "An organisation with this partita IVA or codice fiscale is already on Vicinato; ask its "
                    "administrators to invite you."
                )
            )
        return cleaned

    def clean_partita_iva(self):
        return self.cleaned_data["partita_iva"].strip().upper().removeprefix("IT")

    def clean_codice_fiscale(self):
        return self.cleaned_data["codice_fiscale"].strip().upper()


def _area_field(level: str, label) -> forms.ModelChoiceField:
    """A choice of the areas of one level by their code (their shapes are not read), or all."""
    return forms.ModelChoiceField(
        queryset=Area.objects.filter(level=level).defer("geometry", "outline"),
        to_field_name="code",
        required=False,
        label=label,
        empty_label=gettext_lazy("All"),
    )


class PlaceFilterForm(forms.Form):
    """The public register's filters; invalid values are reported, not silently ignored."""

    q = forms.CharField(required=False, max_length=100, label=gettext_lazy("Name or address"))
    register = forms.ModelChoiceField(
        queryset=Register.objects.all(),
        to_field_name="slug",
        required=False,
        label=gettext_lazy("Register"),
        empty_label=gettext_lazy("All registers"),
    )
    kind = forms.ChoiceField(
        choices=[("", gettext_lazy("All kinds"))] + Place.Kind.choices,
        required=False,
        label=gettext_lazy("Kind"),
    )
    amenity = IdsChoiceField(
        queryset=Amenity.objects.all(),
        to_field_name="code",
        required=False,
        label=gettext_lazy("Amenities"),
        widget=forms.CheckboxSelectMultiple,
    )
    audience = forms.ChoiceField(
        choices=[("", gettext_lazy("Everyone"))] + Audience.choices, required=False, label=gettext_lazy("For")
    )
    district = _area_field(Area.Level.DISTRICT, gettext_lazy("Municipio"))
    neighbourhood = _area_field(Area.Level.NEIGHBOURHOOD, gettext_lazy("Neighbourhood (NIL)"))
    open_now = forms.BooleanField(required=False, label=gettext_lazy("Open now"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].label_from_instance = lambda area: area.label
