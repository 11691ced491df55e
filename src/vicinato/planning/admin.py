"""Planning in Django's admin: surveys and their questions, needs, proposals and scenarios; never single answers
(they are read only in aggregate, with small cells hidden)."""

from django.contrib import admin

from .models import CommuterCount, Need, Proposal, ProposalEvent, Question, Scenario, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "audience", "state", "created_at")
    list_filter = ("state", "audience")
    inlines = [QuestionInline]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("need", "neighbourhood", "estimated_people", "organisation", "observed_on")


class ProposalEventInline(admin.TabularInline):
    model = ProposalEvent
    extra = 0
    readonly_fields = ("action", "from_state", "to_state", "actor", "at", "note", "note_language")
    can_delete = False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "neighbourhood", "desks", "state")
    list_filter = ("state", "kind")
    # The state changes only through the review (planning.proposals.transition), which records it.
    readonly_fields = ("state", "decided_at")
    inlines = [ProposalEventInline]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("name", "created_by", "created_at")
    readonly_fields = ("params", "result")


@admin.register(CommuterCount)
class CommuterCountAdmin(admin.ModelAdmin):
    list_display = ("neighbourhood", "mode", "count", "year")
    list_filter = ("mode",)
