"""Candidate sites proposed by organisations or the city, reviewed by the city's staff as register
applications are: one table of transitions, one function that applies them and records who, when and why."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.geo.services import locate
from vicinato.lib.errors import Conflict, field_error
from vicinato.lib.transitions import StateMachine, Transition
from vicinato.register.translation import writing_language

from .models import Need, Proposal, ProposalEvent
from .permissions import Action, can, require

S = Proposal.State


class ProposalConflict(Conflict):
    """A transition of a proposal that is not possible now (409)."""


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition(
        {S.SUBMITTED: S.ACCEPTED}, Action.REVIEW_PROPOSAL, gettext_lazy("Accept as a candidate")
    ),
    "request_changes": Transition(
        {S.SUBMITTED: S.CHANGES_REQUESTED},
        Action.REVIEW_PROPOSAL,
        gettext_lazy("Request changes"),
        note_required=True,
    ),
    "reject": Transition(
        {S.SUBMITTED: S.REJECTED, S.ACCEPTED: S.REJECTED},
        Action.REVIEW_PROPOSAL,
        gettext_lazy("Reject"),
        note_required=True,
    ),
    "resubmit": Transition(
        {S.CHANGES_REQUESTED: S.SUBMITTED}, Action.PROPOSE_SITE, gettext_lazy("Submit again")
    ),
    "withdraw": Transition(
        {S.SUBMITTED: S.WITHDRAWN, S.CHANGES_REQUESTED: S.WITHDRAWN, S.ACCEPTED: S.WITHDRAWN},
        Action.PROPOSE_SITE,
        gettext_lazy("Withdraw"),
    ),
}

MACHINE = StateMachine(
    TRANSITIONS,
    lambda state: S(state).label,
    gettext_lazy("a site proposal"),
    note_prompt=gettext_lazy("Write a note for the proposer explaining the decision."),
    conflict=ProposalConflict,
)


def propose(
    user,
    organisation,
    *,
    title: str,
    address: str,
    lat: float,
    lon: float,
    desks: int,
    kind: str = Proposal.Kind.OTHER,
    notes: str = "",
) -> Proposal:
    require(user, Action.PROPOSE_SITE, organisation)
    if not (title or "").strip():
        raise field_error("title", _("Give the proposal a title."))
    if desks is None or desks < 1:
        raise field_error("desks", _("Give the number of desks possible, 1 or more."))
    location = locate(lat, lon)
    if location.municipality is None:
        raise field_error(
            "address", gettext_lazy("This point is outside the city's areas; check the address.")
        )
    with transaction.atomic():
        proposal = Proposal.objects.create(
            organisation=organisation,
            kind=kind,
            title=title.strip(),
            address=address.strip(),
            lat=lat,
            lon=lon,
            neighbourhood=location.neighbourhood,
            desks=desks,
            notes=notes,
            created_by=user,
        )
        ProposalEvent.objects.create(proposal=proposal, action="propose", to_state=S.SUBMITTED, actor=user)
    return proposal


def allowed_actions(user, proposal: Proposal) -> list[str]:
    return MACHINE.allowed(proposal.state, lambda t: t.by is not None and can(user, t.by, proposal))


@transaction.atomic
def transition(proposal: Proposal, action: str, actor, note: str = "") -> Proposal:
    """Apply one review action, record who/when/why, or refuse it (409 state, 403 person, 422 note)."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    note = (note or "").strip()
    _spec, target = MACHINE.check(
        action, proposal.state, note, actor=actor, require=lambda by: require(actor, by, proposal)
    )
    source = proposal.state
    proposal.state = target
    if action in ("accept", "reject", "request_changes"):
        proposal.decided_at = timezone.now()
    proposal.save()
    ProposalEvent.objects.create(
        proposal=proposal,
        action=action,
        from_state=source,
        to_state=target,
        actor=actor,
        note=note,
        note_language=writing_language() if note else "",
    )
    return proposal


def report_need(
    user, organisation, *, neighbourhood, need: str, estimated_people: int, source: str, observed_on
) -> Need:
    """A need a community manager reports for a NIL."""
    require(user, Action.REPORT_NEED, organisation)
    if not (need or "").strip():
        raise field_error("need", _("Describe the need."))
    if estimated_people is None or estimated_people < 1:
        raise field_error(
            "estimated_people", gettext_lazy("Give an estimate of the people concerned, 1 or more.")
        )
    if observed_on > timezone.localdate():
        raise field_error("observed_on", _("The date cannot be in the future."))
    return Need.objects.create(
        organisation=organisation,
        neighbourhood=neighbourhood,
        need=need.strip(),
        estimated_people=estimated_people,
        source=source.strip(),
        observed_on=observed_on,
        reported_by=user,
    )
