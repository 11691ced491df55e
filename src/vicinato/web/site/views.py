"""The site's own pages: home, signing in, a person's dashboard, the open data and credits pages."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext

from vicinato.geo import transit
from vicinato.impact.reports import scope as impact_reports
from vicinato.lib.redirects import own_page
from vicinato.register import opendata
from vicinato.register.models import Application, Place, Register
from vicinato.register.permissions import Action, can, managed_organisations, reviewed_registers
from vicinato.register.services import registers_to_apply

from ..context_processors import person_roles
from .forms import SignInForm
from .providers import by_kind


def home(request):
    listed = Place.objects.listed()
    context = {
        "place_count": listed.count(),
        "desk_count": sum(listed.values_list("desks", flat=True)),
        # Each register's entries listed now: the register's own rule (Application.objects.listed()).
        "registers": Register.objects.annotate(
            listed=Count("applications", filter=Q(applications__in=Application.objects.listed()))
        ),
        "kinds": Place.Kind.choices,
    }
    return render(request, "web/home.html", context)


def opendata_page(request):
    return render(
        request, "web/opendata.html", {"count": Place.objects.listed().count(), "fields": opendata.FIELDS}
    )


def credits(request):
    timetable = None
    if transit.available():
        summary = transit.summary()
        first, last = (date.fromisoformat(d) for d in summary["service_period"])
        agencies = sorted({a for feed in summary["feeds"] for a in feed.get("agencies", [])})
        timetable = {
            "first": first,
            "last": last,
            "agencies": ", ".join(agencies),
            "lines": summary["routes_by_type"],
            # The demo's feed, shipped with the project: said what it is.
            "demo": any(feed["feed_id"] == "milano_small_gtfs" for feed in summary["feeds"]),
        }
    return render(request, "web/credits.html", {"timetable": timetable})


def _next_page(request) -> str:
    """The page the person was on when they chose to sign in or up (our own site only), or ''."""
    return own_page(request, request.POST.get("next") or request.GET.get("next"))


def home_for(user) -> str:
    """Where a person lands after signing in with nowhere else to go: the organisation's desk for whoever runs
    one or reviews a register, their own bookings for everyone else."""
    roles = person_roles(user)
    return "web:dashboard" if roles["manages"] or roles["reviews"] else "web:my_bookings"


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = SignInForm

    def get_default_redirect_url(self):
        return reverse(home_for(self.request.user))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "identities": by_kind()}


def locked_out(request, response=None, credentials=None):
    """The sign-in page again, saying that signing in is locked for a while (django-axes' lockout)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    locked = ngettext(
        "Too many failed sign-in attempts: signing in to this account from here is locked for %(n)d minute. "
        "Try again later.",
        "Too many failed sign-in attempts: signing in to this account from here is locked for %(n)d minutes. "
        "Try again later.",
        minutes,
    ) % {"n": minutes}
    form = SignInForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {"form": form, "next": request.POST.get("next", ""), "locked": locked, "identities": by_kind()}
    answer = render(request, "web/login.html", context, status=429)
    answer["Retry-After"] = str(minutes * 60)
    return answer


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
    organisations = list(organisations)
    open_registers = list(Register.objects.filter(is_open=True))
    for organisation in organisations:
        for place in organisation.places.all():
            place.registers_to_apply = registers_to_apply(place, open_registers)
    registers = reviewed_registers(request.user)
    return render(
        request,
        "web/dashboard.html",
        {
            "organisations": [(o, can(request.user, Action.CREATE_PLACE, o)) for o in organisations],
            "registers": registers.annotate(
                pending=Count("applications", filter=Q(applications__state=Application.State.SUBMITTED))
            ),
            "impact_cities": impact_reports.city_municipalities(request.user).order_by("name"),
            "impact_employers": impact_reports.employer_organisations(request.user).order_by("legal_name"),
        },
    )
