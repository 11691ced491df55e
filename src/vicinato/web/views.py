"""The pages people use; each view is thin and calls the register's services."""

from __future__ import annotations

from datetime import time

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vicinato.geo import travel
from vicinato.register import opendata
from vicinato.register.forms import OrganisationForm, PlaceFilterForm, PlaceForm
from vicinato.register.models import (
    Application,
    Membership,
    OpeningHours,
    Organisation,
    Place,
    Register,
    Requirement,
)
from vicinato.register.permissions import Action, can, managed_organisations, require, reviewed_registers
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
    pending_reviewer_checks,
    start_application,
    tick_check,
    transition,
)


def home(request):
    listed = Place.objects.listed()
    context = {
        "place_count": listed.count(),
        "desk_count": sum(listed.values_list("desks", flat=True)),
        "registers": Register.objects.annotate(
            listed=Count(
                "applications",
                filter=Q(applications__state="approved", applications__expires_at__gt=timezone.now()),
            )
        ),
        "kinds": Place.Kind.choices,
    }
    return render(request, "web/home.html", context)


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
    for place in page.object_list:
        place.open_now = place.pk in open_now
    markers = (
        places.select_related(None)
        .prefetch_related(None)
        .only("public_id", "name_it", "name_en", "kind", "lat", "lon")
    )
    from .search import FILTERS_CACHE_S, filters_version, render_search  # search.py uses map_marker

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


def map_marker(place: Place) -> dict:
    """What the map script needs of a place (see static/js/map.js)."""
    return {
        "id": place.public_id,
        "name": place.name,
        "kind": place.kind,
        "kind_label": str(place.get_kind_display()),
        "lat": place.lat,
        "lon": place.lon,
        "url": place.get_absolute_url(),
    }


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
            "amenity_groups": _group_amenities(place.amenities.all()),
            "can_edit": can(request.user, Action.EDIT_PLACE, place),
            "station": _nearest_station(place),
            "map_places": [map_marker(place)],
        },
    )


def _group_amenities(amenities):
    groups: dict[str, list] = {}
    for amenity in amenities:
        groups.setdefault(amenity.get_group_display(), []).append(amenity)
    return groups


def _nearest_station(place: Place):
    """The metro station with the shortest walk from the place (None off the street map)."""
    found = travel.nearest_station_walk(place.lat, place.lon)
    return dict(zip(("name", "lines", "minutes"), found, strict=True)) if found else None


def opendata_page(request):
    return render(
        request, "web/opendata.html", {"count": Place.objects.listed().count(), "fields": opendata.FIELDS}
    )


def credits(request):
    return render(request, "web/credits.html")


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=gettext_lazy("E-mail"))

    class Meta(UserCreationForm.Meta):
        fields = ["username", "email"]


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, _("Welcome to Vicinato: your account is ready."))
        return redirect("web:dashboard")
    return render(request, "web/signup.html", {"form": form})


@login_required
def dashboard(request):
    organisations = managed_organisations(request.user, Action.VIEW_APPLICATION).prefetch_related(
        Prefetch(
            "places",
            queryset=Place.objects.prefetch_related(
                Prefetch("applications", queryset=Application.objects.select_related("register"))
            ),
        )
    )
    registers = reviewed_registers(request.user)
    return render(
        request,
        "web/dashboard.html",
        {
            "organisations": [(o, can(request.user, Action.CREATE_PLACE, o)) for o in organisations],
            "registers": registers.annotate(
                pending=Count("applications", filter=Q(applications__state="submitted"))
            ),
            "all_registers": Register.objects.filter(is_open=True),
        },
    )


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal next to the form's fields (or above the form for the others)."""
    for field, errors in error.message_dict.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)


def _form_errors_to_messages(request, error: ValidationError):
    for field_messages in error.message_dict.values():
        for message in field_messages:
            messages.error(request, message)


@login_required
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        try:
            organisation = create_organisation(request.user, request.POST)
        except ValidationError:
            form.is_valid()
        else:
            messages.success(request, _("The organisation has been registered; you are its administrator."))
            return redirect("web:organisation", pk=organisation.pk)
    return render(request, "web/organisation_form.html", {"form": form})


class MemberForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("Username or e-mail"), max_length=150)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Membership.Role.choices)


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
                set_membership(request.user, organisation, form.cleaned_data["user"], role)
            except ValidationError as error:
                _add_errors(form, error)
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
    form = PlaceForm(request.POST or None, request.FILES or None, instance=place)
    if request.method == "POST":
        try:
            place = save_place(request.user, organisation, request.POST, request.FILES, place)
        except ValidationError:
            form.is_valid()  # the same form reports the errors next to their fields
        else:
            messages.success(request, _("The place has been saved."))
            return redirect("web:place", public_id=place.public_id)
    return render(
        request, "web/place_form.html", {"form": form, "place": place, "organisation": organisation}
    )


class HoursForm(forms.Form):
    weekday = forms.TypedChoiceField(
        choices=OpeningHours.Weekday.choices, coerce=int, label=gettext_lazy("Day")
    )
    opens = forms.TimeField(label=gettext_lazy("Opens"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=gettext_lazy("Closes"), widget=forms.TimeInput(attrs={"type": "time"}))


HoursFormSet = forms.formset_factory(HoursForm, extra=3, can_delete=True)


class ClosureForm(forms.Form):
    start_date = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label=gettext_lazy("Until (included)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=200)


def _closures(request, place: Place):
    """Add or remove a dated closure; answers None when done, or the bound form with its errors."""
    if "delete_closure" in request.POST:
        place.closures.filter(pk=request.POST["delete_closure"]).delete()
        messages.success(request, _("Closure removed."))
        return None
    form = ClosureForm(request.POST)
    if not form.is_valid():
        return form
    try:
        add_closure(request.user, place, **form.cleaned_data)
    except ValidationError as error:
        _add_errors(form, error)
        return form
    messages.success(request, _("Closure added."))
    return None


@login_required
def place_hours(request, public_id: str):
    place = get_object_or_404(Place, public_id=public_id)
    require(request.user, Action.EDIT_PLACE, place)
    initial = [
        {"weekday": h.weekday, "opens": h.opens, "closes": h.closes} for h in place.opening_hours.all()
    ]
    is_closure = request.method == "POST" and request.POST.get("form") == "closure"
    closure_form = ClosureForm()
    if is_closure:
        closure_form = _closures(request, place)
        if closure_form is None:
            return redirect("web:place_hours", public_id=place.public_id)
    formset = HoursFormSet(
        request.POST if request.method == "POST" and not is_closure else None, initial=initial
    )
    if request.method == "POST" and not is_closure and formset.is_valid():
        intervals: list[tuple[int, time, time]] = [
            (f.cleaned_data["weekday"], f.cleaned_data["opens"], f.cleaned_data["closes"])
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            set_opening_hours(request.user, place, intervals)
        except ValidationError as error:
            _form_errors_to_messages(request, error)
        else:
            messages.success(request, _("Opening hours saved."))
            return redirect("web:place", public_id=place.public_id)
    return render(
        request,
        "web/place_hours.html",
        {
            "place": place,
            "formset": formset,
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
        "results": check_requirements(application.place, application.register),
        "reviewer_requirements": application.register.requirements.filter(
            kind=Requirement.Kind.REVIEWER_CHECK
        ),
        "ticked": set(application.checks.values_list("requirement_id", flat=True)),
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
    except PermissionDenied:
        raise
    else:
        messages.success(
            request,
            _("Done: the application is now “%(state)s”.")
            % {"state": Application.objects.get(pk=pk).get_state_display()},
        )
    target = "web:review" if request.POST.get("from") == "review" else "web:application"
    return redirect(target, pk=pk)


@login_required
def review_queue(request):
    registers = reviewed_registers(request.user)
    if not registers.exists():
        raise PermissionDenied(_("You are not a reviewer of any register."))
    state = request.GET.get("state", Application.State.SUBMITTED)
    if state not in Application.State.values:
        state = Application.State.SUBMITTED
    applications = (
        Application.objects.filter(register__in=registers, state=state)
        .select_related("place", "register", "place__operator")
        .order_by("submitted_at", "created_at")
    )
    return render(
        request,
        "web/review_queue.html",
        {
            "applications": applications,
            "state": state,
            "states": Application.State.choices,
        },
    )


@login_required
def review(request, pk: int):
    application = get_object_or_404(Application.objects.select_related("place", "register"), pk=pk)
    require(request.user, Action.REVIEW_APPLICATION, application)
    if request.method == "POST":
        requirement = get_object_or_404(Requirement, pk=request.POST.get("requirement"))
        try:
            tick_check(application, requirement, request.user, request.POST.get("ticked") == "1")
        except WorkflowError as error:
            messages.error(request, str(error))
        return redirect("web:review", pk=pk)
    return render(request, "web/review.html", _application_context(request, application))


def _error(request, status: int, title, message):
    return render(
        request, "web/error.html", {"status": status, "title": title, "message": message}, status=status
    )


def error_403(request, exception=None):
    message = str(exception) if exception and str(exception) else _("You are not allowed to see this page.")
    return _error(request, 403, _("Access denied"), message)


def error_404(request, exception=None):
    return _error(
        request,
        404,
        _("Page not found"),
        _("The page you asked for does not exist or has moved. Start again from the home page."),
    )


def error_500(request):
    return _error(
        request,
        500,
        _("Something went wrong"),
        _("An error on our side stopped this page. Try again in a few minutes."),
    )
