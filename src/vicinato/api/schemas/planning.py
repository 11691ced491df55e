"""Shapes of the planning API: scenarios of new sites, surveys and their answers, needs and site proposals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class ScenarioIn(Schema):
    k: int = Field(5, description="How many new sites")
    mode: str = Field("walk", description="walk or bike")
    minutes: int = Field(15, description="Within how many minutes")
    objective: str = Field("covering", description="covering (maximal covering) or median (p-median)")
    equity: str = Field("none", description="none, min_share (with min_share) or max_min")
    min_share: float | None = Field(None, description="With equity min_share: the % every NIL reaches")
    sources: list[str] = Field(["metro", "proposals"], description="Candidates: metro, proposals, places")
    layers: dict[str, float] = Field({"residents": 1.0}, description="Demand layer -> weight (see /layers)")
    time_limit_s: float = Field(10.0, description="Time limit for the optimum, 1-20 seconds")
    points: list[dict[str, Any]] = Field(
        [],
        description='Other candidates: [{"lat", "lon", "name", "desks"}] (name and desks optional), at most 200',
    )
    per_desk: float | None = Field(
        None, description="Desks against demand (maximal covering): how much demand one desk serves"
    )
    default_desks: int = Field(
        20, description="With per_desk: the desks of a candidate whose desks are unknown"
    )


class ScenarioSaveIn(ScenarioIn):
    name: str


class LayerOut(Schema):
    key: str
    label: str
    default_weight: float


class ScenarioOut(Schema):
    id: int
    name: str
    description: str
    created_at: datetime
    params: dict[str, Any]
    result: dict[str, Any] = Field(description="Sites (with why), NIL before/after, solver status and gap")


class ScenarioSummaryOut(Schema):
    id: int
    name: str
    description: str
    created_at: datetime
    covered_before: float
    covered_after: float
    demand: float
    optimal: bool
    gap: float | None


class OptionOut(Schema):
    key: str = Field(description="What an answer gives and results count by, in either language")
    label: str = Field(description="In the request's language, or the other one when only that was written")
    label_it: str
    label_en: str


class QuestionOut(Schema):
    id: int
    kind: str
    text: str = Field(description="In the request's language, or the other one when only that was written")
    text_it: str
    text_en: str
    options: list[OptionOut] = Field(description="Choice and multiple: answer with the key (or a label)")
    required: bool

    @staticmethod
    def resolve_options(question) -> list[dict]:
        return [
            {"key": o["key"], "label": label, "label_it": o.get("it", ""), "label_en": o.get("en", "")}
            for o, (_key, label) in zip(question.options, question.option_labels, strict=True)
        ]


class SurveyOut(Schema):
    id: int
    title: str = Field(description="In the request's language, or the other one when only that was written")
    title_it: str
    title_en: str
    description: str
    description_it: str
    description_en: str
    organisation: str
    audience: str
    state: str
    questions: list[QuestionOut]


class ResponseIn(Schema):
    neighbourhood: str | None = Field(None, description="The NIL's code; or give a street")
    street: str | None = Field(None, description="A street of the city, to find the NIL (not kept)")
    answers: dict[str, Any] = Field(default_factory=dict, description="Question id -> answer")


class ResultRowOut(Schema):
    code: str
    name: str
    answers: int | None = Field(description="null: fewer than 5 answers")
    cells: dict[str, list[int | None]] = Field(
        description="Question id -> count per option, null where hidden"
    )
    means: dict[str, float | None]


class ResultsOut(Schema):
    survey: int
    min_cell: int
    total: int | None
    questions: list[QuestionOut]
    rows: list[ResultRowOut]


class NeedIn(Schema):
    organisation: int
    neighbourhood: str = Field(description="The NIL's code")
    need: str
    estimated_people: int
    source: str = ""
    observed_on: date


class NeedOut(Schema):
    id: int
    organisation: str
    neighbourhood: str
    need: str
    estimated_people: int
    source: str
    observed_on: date


class ProposalIn(Schema):
    organisation: int
    kind: str = "other"
    title: str
    address: str
    lat: float | None = Field(None, description="Without lat/lon the address is found on the city's map")
    lon: float | None = None
    desks: int
    notes: str = ""


class ProposalOut(Schema):
    id: int
    organisation: str
    kind: str
    title: str
    address: str
    lat: float
    lon: float
    neighbourhood: str | None
    desks: int
    notes: str
    state: str
    allowed_actions: list[str]


class TransitionIn(Schema):
    action: str
    note: str = ""
