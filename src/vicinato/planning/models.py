"""Needs mapping and site planning: surveys and their answers, needs reported for a neighbourhood, candidate
sites proposed by organisations or the city, and saved scenarios of the siting optimiser."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from vicinato.geo.models import Area
from vicinato.lib.records import TransitionRecord
from vicinato.register.models import Organisation
from vicinato.register.translation import Translated, in_reader_language

# Below this many answers a cell of a survey's results is not shown in any public view.
MIN_CELL = 5


class Survey(models.Model):
    """A questionnaire written by a community manager or the city, answered per neighbourhood (NIL)."""

    class Audience(models.TextChoices):
        PUBLIC = "public", _("Anyone")
        ORGANISATION = "organisation", _("The organisation's people")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("organisation")
    )
    title_it = models.CharField(_("title (Italian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    audience = models.CharField(
        _("open to"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    counts_as_demand = models.BooleanField(
        _("each answer is a person who needs a place near home"),
        default=False,
        help_text=_("Answers then count in the planner's 'needs' demand layer."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]

    title = Translated("title")
    description = Translated("description")

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        CHOICE = "choice", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        SCALE = "scale", _("Scale from 1 to 5")
        NUMBER = "number", _("Number")
        TEXT = "text", _("Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text_it = models.CharField(_("question (Italian)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    # Choice and multiple: [{"key", "it", "en"}]. Answers hold the key, so that answers given in either language
    # count together, and a label can be reworded without touching them.
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    text = Translated("text")

    def __str__(self) -> str:
        return self.text

    @property
    def has_options(self) -> bool:
        return self.kind in (self.Kind.CHOICE, self.Kind.MULTIPLE)

    @property
    def option_keys(self) -> list[str]:
        return [option["key"] for option in self.options]

    @property
    def option_labels(self) -> list[tuple[str, str]]:
        """(key, label in the reader's language, or the other one when only that was written)."""
        return [(option["key"], option_label(option)) for option in self.options]


def option_label(option: dict) -> str:
    return in_reader_language(option) or option["key"]


def option_keys(labels: list[str]) -> list[str]:
    """Stable keys for options from their labels (the first language's): "Sì, spesso" -> "si-spesso"; one
    made unique with a number, or "option-2" for a label with no letters."""
    keys: list[str] = []
    for index, label in enumerate(labels, start=1):
        base = slugify(label)[:40] or f"option-{index}"
        key, n = base, 2
        while key in keys:
            key, n = f"{base}-{n}", n + 1
        keys.append(key)
    return keys


class Response(models.Model):
    """One person's answers, with their neighbourhood and nothing else about them unless they signed in."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    neighbourhood = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("neighbourhood (NIL)")
    )
    # Only when the respondent signed in (one answer each, and the organisation's surveys need it).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answers = models.JSONField(default=dict)  # {question id: option key, [keys], number or text}
    submitted_on = models.DateField(default=timezone.localdate)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person"], condition=models.Q(person__isnull=False), name="one_answer_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.neighbourhood_id}"


class Need(models.Model):
    """A need a community manager reports for a neighbourhood."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="needs", verbose_name=_("organisation")
    )
    neighbourhood = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("neighbourhood (NIL)")
    )
    need = models.CharField(_("need"), max_length=300)
    estimated_people = models.PositiveIntegerField(_("people concerned (estimate)"))
    source = models.CharField(_("source"), max_length=300)
    observed_on = models.DateField(_("date"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-observed_on", "-id"]

    def __str__(self) -> str:
        return self.need


class Proposal(models.Model):
    """A candidate site (an empty shop, a library room, a company floor) proposed for a new place."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("Empty shop")
        LIBRARY = "library", _("Library or public room")
        COMPANY = "company", _("Company floor")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted as a candidate")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="site_proposals", verbose_name=_("proposed by")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    address = models.CharField(_("address"), max_length=200)
    lat = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    lon = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    neighbourhood = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("NIL")
    )
    desks = models.PositiveIntegerField(_("desks possible"), validators=[MinValueValidator(1)])
    notes = models.TextField(_("notes"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("site proposal")
        verbose_name_plural = _("site proposals")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProposalEvent(TransitionRecord):
    """One transition of a proposal: who, when, from which state to which, and why."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(_("from"), max_length=20, choices=Proposal.State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=Proposal.State.choices)


class CommuterCount(models.Model):
    """Commuters living in a neighbourhood by their main mode (the 2011 census; `vicinato import-commuters`)."""

    class Mode(models.TextChoices):
        WALK_BIKE = "walk_bike", _("On foot or by bike")
        TRANSIT = "transit", _("Public transport")
        CAR = "car", _("Car")
        OTHER = "other", _("Other")

    neighbourhood = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    count = models.PositiveIntegerField(_("commuters"))
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["neighbourhood", "mode"], name="one_count_per_mode")]

    def __str__(self) -> str:
        return f"{self.neighbourhood_id} {self.mode}: {self.count}"


class Scenario(models.Model):
    """A saved run of the siting optimiser: what was asked, and the plan found with why each site."""

    name = models.CharField(_("name"), max_length=200)
    params = models.JSONField(default=dict)  # the form's choices (scenarios.ScenarioParams)
    result = models.JSONField(default=dict)  # the plan: sites, per-NIL outcome, solver report
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name
