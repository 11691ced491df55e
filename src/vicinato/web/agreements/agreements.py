"""The agreement pages: an organisation's agreements offered and received, drafting and changing one, its page
with its state's changes and its usage, and the usage and bookings as CSV."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vicinato.agreements import consent, exports, services
from vicinato.agreements.forms import AgreementForm
from vicinato.agreements.models import Agreement
from vicinato.agreements.permissions import Action, can, guest_organisations, require
from vicinato.lib.errors import Conflict
from vicinato.register.models import Organisation

from ..feedback import show_refusal
from .common import get_organisation, history, merge_errors
from .forms import AgreementMoveForm, PeriodForm


@login_required
def organisation_agreements(request, pk: int):
    organisation = get_organisation(request, pk)
    return render(
        request,
        "agreements/organisation_agreements.html",
        {
            "organisation": organisation,
            "offered": organisation.agreements_offered.all(),
            "received": services.received_agreements(organisation),
            "can_offer": can(request.user, Action.OFFER_AGREEMENT, organisation),
        },
    )


def _agreement_form(request, host: Organisation, agreement: Agreement | None):
    form = AgreementForm(
        request.POST if request.method == "POST" else None, instance=agreement or Agreement(host=host)
    )
    if request.method == "POST":
        try:
            saved = services.save_agreement(request.user, host, request.POST, agreement)
        except ValidationError as error:
            form.is_valid()  # the same form reports the errors next to their fields
            merge_errors(
                form, error
            )  # and the service's own (a community only the site's administrators name)
        except Conflict as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The agreement has been saved."))
            return redirect("agreements:agreement", pk=saved.pk)
    return render(
        request, "agreements/agreement_form.html", {"form": form, "host": host, "agreement": agreement}
    )


@login_required
def agreement_create(request, pk: int):
    return _agreement_form(request, get_organisation(request, pk, Action.OFFER_AGREEMENT), None)


@login_required
def agreement_edit(request, pk: int):
    agreement = get_object_or_404(Agreement.objects.select_related("host"), pk=pk)
    require(request.user, Action.EDIT_AGREEMENT, agreement)
    return _agreement_form(request, agreement.host, agreement)


def _period(request) -> tuple[PeriodForm, date | None, date | None]:
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["first_day"], form.cleaned_data["last_day"]
    return form, None, None


def _visible_agreement(request, pk: int) -> Agreement:
    agreement = get_object_or_404(Agreement.objects.select_related("host"), pk=pk)
    require(request.user, Action.VIEW_AGREEMENT, agreement)
    return agreement


def _move_message(change: services.StateChange) -> str:
    message = _("Done: the agreement is now “%(state)s”.") % {"state": change.agreement.get_state_display()}
    if change.affected:
        message += " " + ngettext(
            "%(cancelled)d of %(count)d booking still to come was cancelled; the people have been told.",
            "%(cancelled)d of %(count)d bookings still to come were cancelled; the people have been told.",
            len(change.affected),
        ) % {"cancelled": len(change.cancelled), "count": len(change.affected)}
    return message


@login_required
def agreement(request, pk: int):
    agreement = _visible_agreement(request, pk)
    if request.method == "POST":
        form = AgreementMoveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                change = services.change_agreement_state(
                    agreement, data["action"], request.user, data["note"], data["cancel_bookings"]
                )
            except (Conflict, ValidationError) as error:
                show_refusal(request, error)
            else:
                messages.success(request, _move_message(change))
        return redirect("agreements:agreement", pk=pk)
    period, first_day, last_day = _period(request)
    sees_usage = can(request.user, Action.VIEW_USAGE, agreement)
    moves = services.allowed_transitions(request.user, agreement)
    return render(
        request,
        "agreements/agreement.html",
        {
            "agreement": agreement,
            "guests": guest_organisations(agreement).order_by("legal_name"),
            "communities": agreement.communities.all(),
            "invited_communities": consent.invited_communities(agreement),
            "resources": agreement.resources.select_related("place"),
            "weekdays": services.weekday_names(agreement.weekdays),
            "events": history(agreement.events.select_related("actor"), Agreement.State),
            "can_edit": can(request.user, Action.EDIT_AGREEMENT, agreement)
            and services.is_changeable(agreement),
            "moves": [(m, services.TRANSITION_LABELS[m], m in Agreement.NOTE_REQUIRED) for m in moves],
            "affected": len(services.affected_bookings(agreement)) if moves else 0,
            "period": period,
            "query": request.GET.urlencode(),
            "usage": services.usage(request.user, agreement, first_day, last_day) if sees_usage else None,
            "bookings": services.booking_rows(request.user, agreement, first_day, last_day)
            if sees_usage
            else None,
        },
    )


@login_required
def usage_csv(request, pk: int):
    agreement = _visible_agreement(request, pk)
    _form, first_day, last_day = _period(request)
    return exports.usage_csv(
        f"agreement-{pk}-usage.csv", services.usage(request.user, agreement, first_day, last_day)
    )


@login_required
def bookings_csv(request, pk: int):
    agreement = _visible_agreement(request, pk)
    _form, first_day, last_day = _period(request)
    return exports.bookings_csv(
        f"agreement-{pk}-bookings.csv", services.booking_rows(request.user, agreement, first_day, last_day)
    )
