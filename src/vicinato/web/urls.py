"""The one URLconf of the site's pages (under a language prefix: none for Italian, /en/ for English).

Each domain's pages keep their addresses in `web/<domain>/urls.py`; here they are put together under the
namespace `web`, and the agreements' pages under their own namespace `agreements` (their names are older than
the house plan, and e-mails and templates use them)."""

from django.urls import include, path

from .activities import urls as activities
from .agreements import urls as agreements
from .booking import urls as booking
from .geo import urls as geo
from .impact import urls as impact
from .impact_reports import urls as impact_reports
from .planning import urls as planning
from .register import urls as register
from .site import urls as site

urlpatterns = [
    path(
        "",
        include(
            (
                [
                    *site.urlpatterns,
                    *register.urlpatterns,
                    *geo.urlpatterns,
                    *booking.urlpatterns,
                    *impact.urlpatterns,
                    path("", include(activities)),  # web:activities:...
                    path("", include(impact_reports)),  # web:impact_reports:...
                    path("", include(planning)),  # web:planning:...
                ],
                "web",
            )
        ),
    ),
    path("", include((agreements.urlpatterns, "agreements"))),
    *agreements.moved,
]
