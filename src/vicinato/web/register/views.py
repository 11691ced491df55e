"""The register's pages: the list of places and each place, an organisation's places and members, a place's
hours and closures, the applications to a register and their review. Each view is thin and calls the register's
services."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vicinato.booking.queries import lowest_prices
from vicinato.geo import transit, travel
from vicinato.lib.errors import Conflict
from vicinato.lib.forms import add_errors
from vicinato.lib.ids import id_or_404
from vicinato.register.documents import add_document, documents_by_requirement, takes_documents
from vicinato.register.forms import OrganisationForm, PlaceFilterForm
from vicinato.register.models import (
    Application,
    ApplicationDocument,
    Membership,
    Organisation,
    Place,
    Register,
    Requirement,
)
from vicinato.register.permissions import Action, can, require, reviewed_applications, reviewed_registers
from vicinato.register.services import (
    add_closure,
    create_organisation,
    filter_places,
    is_open,
    open_at,
    save_place,
    set_membership,
    set_opening_hours,
    weekly_hours,
)
from vicinato.register.workflow import (
    TRANSITIONS,
    WorkflowError,
    allowed_actions,
    check_requirements,
    checks_open,
    pending_reviewer_checks,
    start_application,
    tick_check,
    transition,
)

from ..feedback import show_refusal
from ..search import FILTERS_CACHE_S, filters_version, map_marker, render_search
from .forms import ClosureForm, MemberForm, PlacePageForm, WeeklyHoursForm


def register_list(request):
    form = PlaceFilterForm(request.GET or None)
    places = (
        Place.objects.listed()
        .with_areas()
        .select_related(None)
        .select_related("district", "neighbourhood")
        .prefetch_related("amenities")
    )
    if form.is_bound and form.is_valid():
        places = filter_places(places, form.cleaned_data)
    elif form.is_bound:
        places = places.none()
    page = Paginator(places.order_by("name_it"), 24).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # Open now: one query for the page (the same rule as is_open), rather than loading every hour and closure.
    shown = [place.pk for place in page.object_list]
    open_now = set(open_at(Place.objects.filter(pk__in=shown), timezone.now()).values_list("pk", flat=True))
    prices = lowest_prices(shown)
    for place in page.object_list:
        place.open_now = place.pk in open_now
        place.lowest_price = prices.get(place.pk)
    markers = (
        places.select_related(None)
        .prefetch_related(None)
        .only("public_id", "name_it", "name_en", "kind", "lat", "lon")
    )
    # The filters' HTML is cached per language and query (see the template); htmx asks only for the results.
    return render_search(
        request,
        "web/register_list.html",
        "web/partials/register_results.html",
        "register-results",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "total": page.paginator.count,
            "map_places": [map_marker(p) for p in markers],
            "filters_version": filters_version(),
            "filters_cache_s": FILTERS_CACHE_S,
        },
    )


def place_detail(request, public_id: str):
    place = get_object_or_404(
        Place.objects.with_areas().prefetch_related(
            "amenities",
            "opening_hours",
            "closures",
            Prefetch("applications", queryset=Application.objects.select_related("register")),
        ),
        public_id=public_id,
    )
    entries = [a for a in place.applications.all() if a.is_listed]
    if not entries and not can(request.user, Action.VIEW_UNLISTED_PLACE, place):
        raise Http404(_("This place is not listed in any register."))
    today = timezone.localdate()
    return render(
        request,
        "web/place_detail.html",
        {
            "place": place,
            "entries": entries,
            "hours": weekly_hours(place),
            "closures": [c for c in place.closures.all() if c.end_date >= today],
            "open_now": is_open(place),
            "bookable": list(place.resources.filter(is_active=True).order_by("kind", "name_it")),
            "amenity_groups": _group_amenities(place.amenities.all()),
            "can_edit": can(request.user, Action.EDIT_PLACE, place),
            "station": _nearest_station(place),
            "map_places": [map_marker(place)],
            **_trip_here(request, place),
        },
    )


def _trip_here(request, place: Place) -> dict:
    """ "From your street by public transport": the trip from the street a person gives (`da`) to the place,
    arriving by 09:00 on the next weekday; the form's state and, once asked, the trip or why there is none.
    Sent by POST: where a person lives stays out of addresses and the server's logs."""
    if place.lat is None:
        return {}
    try:
        streets = travel.streets(place.municipality)
        source = travel.source_at(place.lat, place.lon)
    except travel.NoNetworkError:
        return {}
    if not transit.available(source):
        return {}
    asked = (request.POST.get("da") or "").strip()[:120] if request.method == "POST" else ""
    context: dict = {"trip_from": asked, "trip_offered": True}
    if not asked:
        return context
    candidates = streets.search(asked)
    if not candidates:
        context["trip_error"] = _(
            "No street of the map matches “%(q)s”; check the spelling or write only the street name."
        ) % {"q": asked}
        return context
    when = transit.When.default()
    try:
        context["trip"] = transit.itinerary(
            (candidates[0].lat, candidates[0].lon), (place.lat, place.lon), when
        )
    except travel.TravelError as error:
        context["trip_error"] = str(error)
        return context
    context.update(trip_label=candidates[0].label, when=when, service=transit.service(when))
    if context["trip"] is None:
        context["trip_error"] = _("No trip by public transport reaches the place within an hour from there.")
    return context


def _group_amenities(amenities):
    groups: dict[str, list] = {}
    for amenity in amenities:
        groups.setdefault(amenity.get_group_display(), []).append(amenity)
    return groups


def _nearest_station(place: Place):
    """The metro station with the shortest walk from the place (None off the street map)."""
    found = travel.nearest_station_walk(place.lat, place.lon)
    return dict(zip(("name", "lines", "minutes"), found, strict=True)) if found else None


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        try:
            organisation = create_organisation(request.user, request.POST)
        except ValidationError:
            form.is_valid()
        else:
            messages.success(
                request,
                _(
                    "The organisation has been registered; you are its administrator. A site administrator checks "
                    "it before it can act for others."
                ),
            )
            return redirect("web:organisation", pk=organisation.pk)
    return render(request, "web/organisation_form.html", {"form": form})


@login_required
def organisation_detail(request, pk: int):
    organisation = get_object_or_404(Organisation, pk=pk)
    if not can(request.user, Action.VIEW_APPLICATION, organisation):
        raise PermissionDenied(_("You are not a member of this organisation."))
    can_manage = can(request.user, Action.MANAGE_ORGANISATION, organisation)
    form = MemberForm(request.POST or None)
    if request.method == "POST":
        require(request.user, Action.MANAGE_ORGANISATION, organisation)
        if "remove" in request.POST:
            form = MemberForm({"user": request.POST["remove"], "role": Membership.Role.STAFF})
        if form.is_valid():
            role = None if "remove" in request.POST else form.cleaned_data["role"]
            try:
                invited = set_membership(request.user, organisation, form.cleaned_data["user"], role)
            except ValidationError as error:
                add_errors(form, error)
            except Conflict as refused:  # too many invitations for now
                messages.error(request, str(refused))
            else:
                if invited:
                    messages.success(
                        request,
                        _("An invitation has been sent to %(email)s: they join once they accept it.")
                        % {"email": invited.email},
                    )
                else:
                    messages.success(request, _("Members updated."))
                return redirect("web:organisation", pk=pk)
    return render(
        request,
        "web/organisation.html",
        {
            "organisation": organisation,
            "can_manage": can_manage,
            "form": form,
            "memberships": organisation.memberships.select_related("user").order_by("role", "user__username"),
        },
    )


@login_required
def place_edit(request, public_id: str | None = None, organisation_id: int | None = None):
    place = get_object_or_404(Place, public_id=public_id) if public_id else None
    organisation = place.operator if place else get_object_or_404(Organisation, pk=organisation_id)
    require(request.user, Action.EDIT_PLACE if place else Action.CREATE_PLACE, place or organisation)
    form = PlacePageForm(request.POST or None, request.FILES or None, instance=place)
    if request.method == "POST" and form.is_valid():
        # The coordinates found from the address (when none were given) are saved like typed ones.
        data = request.POST.copy()
        data["lat"], data["lon"] = str(form.cleaned_data["lat"]), str(form.cleaned_data["lon"])
        # The form has changed `place` in memory (its photo too): the service starts from the stored one.
        stored = Place.objects.get(pk=place.pk) if place else None
        try:
            saved = save_place(request.user, organisation, data, request.FILES, stored)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The place has been saved."))
            if form.number_note:
                messages.warning(request, form.number_note)
            return redirect("web:place", public_id=saved.public_id)
    return render(
        request, "web/place_form.html", {"form": form, "place": place, "organisation": organisation}
    )


def _closures(request, place: Place):
    """Add or remove a dated closure; answers None when done, or the bound form with its errors."""
    if "delete_closure" in request.POST:
        place.closures.filter(pk=id_or_404(request.POST["delete_closure"])).delete()
        messages.success(request, _("Closure removed."))
        return None
    form = ClosureForm(request.POST)
    if not form.is_valid():
        return form
    try:
        add_closure(request.user, place, **form.cleaned_data)
    except ValidationError as error:
        add_errors(form, error)
        return form
    messages.success(request, _("Closure added."))
    return None


@login_required
def place_hours(request, public_id: str):
    place = get_object_or_404(Place, public_id=public_id)
    require(request.user, Action.EDIT_PLACE, place)
    hours = list(place.opening_hours.all())
    # Room for a break in every day, and for as many intervals as any day has now (nothing is dropped).
    per_day = max([2, *Counter(h.weekday for h in hours).values()])
    is_closure = request.method == "POST" and request.POST.get("form") == "closure"
    closure_form = ClosureForm()
    if is_closure:
        closure_form = _closures(request, place)
        if closure_form is None:
            return redirect("web:place_hours", public_id=place.public_id)
    posted = request.method == "POST" and not is_closure
    week = WeeklyHoursForm(
        request.POST if posted else None,
        per_day=per_day,
        initial=WeeklyHoursForm.initial_from(hours, per_day),
    )
    if posted and week.is_valid():
        try:
            set_opening_hours(request.user, place, week.intervals())
        except ValidationError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Opening hours saved."))
            return redirect("web:place", public_id=place.public_id)
    return render(
        request,
        "web/place_hours.html",
        {
            "place": place,
            "week": week,
            "closure_form": closure_form,
            "closures": place.closures.all(),
        },
    )


@login_required
@require_POST
def apply(request, public_id: str):
    place = get_object_or_404(Place, public_id=public_id)
    register = get_object_or_404(Register, slug=request.POST.get("register", ""))
    try:
        application = start_application(place, register, request.user)
    except WorkflowError as error:
        messages.error(request, str(error))
        return redirect("web:dashboard")
    return redirect("web:application", pk=application.pk)


def _application_context(request, application: Application) -> dict:
    return {
        "application": application,
        "documents": documents_by_requirement(application),
        "takes_documents": takes_documents(application)
        and can(request.user, Action.PREPARE_APPLICATION, application.place),
        "results": check_requirements(application.place, application.register),
        "reviewer_requirements": application.register.requirements.filter(
            kind=Requirement.Kind.REVIEWER_CHECK
        ),
        "ticked": set(application.checks.values_list("requirement_id", flat=True)),
        "checks_open": checks_open(application),
        "pending_checks": pending_reviewer_checks(application),
        "actions": [(name, TRANSITIONS[name]) for name in allowed_actions(request.user, application)],
        "events": application.events.select_related("actor"),
    }


@login_required
def application_detail(request, pk: int):
    application = get_object_or_404(Application.objects.select_related("place", "register"), pk=pk)
    require(request.user, Action.VIEW_APPLICATION, application)
    return render(request, "web/application.html", _application_context(request, application))


@login_required
@require_POST
def application_action(request, pk: int):
    application = get_object_or_404(Application, pk=pk)
    action = request.POST.get("action", "")
    try:
        transition(application, action, request.user, request.POST.get("note", ""))
    except WorkflowError as error:
        messages.error(request, str(error))
        for failure in error.failures:
            messages.warning(request, failure.message)
    except ValidationError as error:  # a decision that needs a note, without one
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("Done: the application is now “%(state)s”.")
            % {"state": Application.objects.get(pk=pk).get_state_display()},
        )
    target = "web:review" if request.POST.get("from") == "review" else "web:application"
    return redirect(target, pk=pk)


@login_required
@require_POST
def application_document_add(request, pk: int):
    """The applicant uploads a file for a check that needs one; back to the application with what happened."""
    application = get_object_or_404(Application.objects.select_related("place", "register"), pk=pk)
    requirement = get_object_or_404(Requirement, pk=id_or_404(request.POST.get("requirement")))
    try:
        add_document(application, requirement, request.user, request.FILES.get("file"))
    except WorkflowError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Document uploaded for “%(check)s”.") % {"check": requirement.label})
    return redirect("web:application", pk=pk)


@login_required
def application_document(request, pk: int, document_pk: int):
    """A document of an application, to its applicants and to the register's reviewers only."""
    document = get_object_or_404(
        ApplicationDocument.objects.select_related("application__place", "application__register"),
        pk=document_pk,
        application_id=pk,
    )
    require(request.user, Action.VIEW_APPLICATION, document.application)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.filename)


@login_required
def review_queue(request):
    registers = reviewed_registers(request.user)
    if not registers.exists():
        raise PermissionDenied(_("You are not a reviewer of any register."))
    states = [choice for choice in Application.State.choices if choice[0] != Application.State.DRAFT]
    state = request.GET.get("state", Application.State.SUBMITTED)
    if state not in dict(states):
        state = Application.State.SUBMITTED
    applications = (
        reviewed_applications(request.user)
        .filter(state=state)
        .select_related("place", "register", "place__operator")
        .order_by("submitted_at", "created_at")
    )
    return render(
        request,
        "web/review_queue.html",
        {
            "applications": applications,
            "state": state,
            "states": states,
        },
    )


@login_required
def review(request, pk: int):
    application = get_object_or_404(Application.objects.select_related("place", "register"), pk=pk)
    require(request.user, Action.REVIEW_APPLICATION, application)
    if request.method == "POST":
        requirement = get_object_or_404(Requirement, pk=id_or_404(request.POST.get("requirement")))
        try:
            tick_check(application, requirement, request.user, request.POST.get("ticked") == "1")
        except WorkflowError as error:
            messages.error(request, str(error))
        return redirect("web:review", pk=pk)
    return render(request, "web/review.html", _application_context(request, application))
