"""The forms of the planning pages (what people type); the planning services decide."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from vicinato.geo.models import Area
from vicinato.planning import demand, scenarios
from vicinato.planning.models import Need, Proposal, Question, Survey

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MODES = [("walk", _("On foot")), ("bike", _("By bike"))]


def neighbourhoods():
    return Area.objects.filter(level=Area.Level.NEIGHBOURHOOD).defer("geometry", "outline").order_by("name")


class NeighbourhoodField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ScenarioForm(forms.Form):
    k = forms.IntegerField(label=_("New sites"), min_value=1, max_value=scenarios.MAX_K, initial=5)
    mode = forms.ChoiceField(label=_("How people travel"), choices=MODES, initial="walk")
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=1, max_value=settings.ROUTING_MAX_MINUTES, initial=15
    )
    objective = forms.ChoiceField(
        label=_("Objective"), choices=list(scenarios.OBJECTIVES.items()), initial="covering"
    )
    equity = forms.ChoiceField(label=_("Equity"), choices=list(scenarios.EQUITY.items()), initial="none")
    min_share = forms.FloatField(
        label=_("Share every neighbourhood reaches (%)"), min_value=1, max_value=100, required=False
    )
    sources = forms.MultipleChoiceField(
        label=_("Candidate sites"),
        required=False,
        choices=list(scenarios.SOURCES.items()),
        widget=forms.CheckboxSelectMultiple,
        initial=["metro", "proposals"],
    )
    points = forms.CharField(
        label=_("Other candidate points"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One a line: latitude, longitude, name, desks (name and desks optional), e.g. 45.4781, 9.2270, Ex cinema, 30"
        ),
    )
    per_desk = forms.FloatField(
        label=_("Desks against demand: how much demand one desk serves"),
        required=False,
        min_value=0.001,
        help_text=_("E.g. 40 residents a desk; empty: every site serves everyone within reach."),
    )
    default_desks = forms.IntegerField(
        label=_("Desks of a site whose desks are not known"),
        required=False,
        min_value=1,
        max_value=10_000,
        initial=scenarios.DEFAULT_DESKS,
    )
    time_limit_s = forms.FloatField(
        label=_("Time limit for the optimum (seconds)"),
        min_value=1,
        max_value=scenarios.MAX_TIME_LIMIT_S,
        initial=scenarios.DEFAULT_TIME_LIMIT_S,
    )
    name = forms.CharField(
        label=_("Name (to save)"), max_length=200, required=False, help_text=_("Needed to save the scenario.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, layer in demand.LAYERS.items():
            self.fields[f"layer_{key}"] = forms.FloatField(
                label=_("Weight of: %(layer)s") % {"layer": layer.label},
                min_value=0,
                max_value=100,
                initial=layer.default_weight,
                required=False,
            )

    def layer_fields(self):
        return [self[f"layer_{key}"] for key in demand.LAYERS]

    def params_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["layers"] = {key: data.pop(f"layer_{key}") or 0 for key in demand.LAYERS}
        data.pop("name", None)
        if data.get("default_desks") is None:
            data.pop("default_desks", None)
        return data


class SurveyForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(label=_("On behalf of"), queryset=None)

    class Meta:
        model = Survey
        fields = [
            "organisation",
            "title_it",
            "title_en",
            "description_it",
            "description_en",
            "audience",
            "counts_as_demand",
        ]

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *Question.Kind.choices], required=False)
    text = forms.CharField(label=_("Question (Italian)"), max_length=300, required=False)
    text_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    options = forms.CharField(
        label=_("Options in Italian, one a line"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    options_en = forms.CharField(
        label=_("Options in English, one a line"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "In the same order as the Italian ones; left empty, English readers see the Italian ones."
        ),
    )
    required = forms.BooleanField(label=_("Required"), required=False)


QuestionFormSet = forms.formset_factory(QuestionForm, extra=5, max_num=20)


class AnswerForm(forms.Form):
    """The respondent's neighbourhood (chosen, or from a street) and one field per question."""

    neighbourhood = NeighbourhoodField(label=_("Your neighbourhood (NIL)"), queryset=None, required=False)
    street = forms.CharField(
        label=_("…or your street"),
        max_length=100,
        required=False,
        help_text=_("We use it only to find your neighbourhood; it is not kept."),
    )

    def __init__(self, survey: Survey, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = neighbourhoods()
        for question in survey.questions.all():
            self.fields[f"q{question.pk}"] = _answer_field(question)

    def answers(self) -> dict:
        return {
            name[1:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("q") and name[1:].isdigit()
        }


def _answer_field(question: Question) -> forms.Field:
    common = {"label": question.text, "required": False}
    K = Question.Kind
    if question.kind == K.CHOICE:
        return forms.ChoiceField(choices=question.option_labels, widget=forms.RadioSelect, **common)
    if question.kind == K.MULTIPLE:
        return forms.MultipleChoiceField(
            choices=question.option_labels, widget=forms.CheckboxSelectMultiple, **common
        )
    if question.kind == K.SCALE:
        return forms.ChoiceField(choices=[("", "—")] + [(str(n), str(n)) for n in range(1, 6)], **common)
    if question.kind == K.NUMBER:
        return forms.CharField(max_length=20, **common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common)


class NeedForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(label=_("On behalf of"), queryset=None)
    neighbourhood = NeighbourhoodField(label=_("Neighbourhood (NIL)"), queryset=None)

    class Meta:
        model = Need
        fields = ["organisation", "neighbourhood", "need", "estimated_people", "source", "observed_on"]
        widgets = {"observed_on": DATE}

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["neighbourhood"].queryset = neighbourhoods()


class ProposalForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(label=_("Proposed by"), queryset=None)

    class Meta:
        model = Proposal
        fields = ["organisation", "kind", "title", "address", "desks", "notes"]

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["address"].help_text = _("A street and number of the city; we find it on the map.")


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
