"""What impact keeps about a person: their commute profile (see vicinato.lib.personal_data). The savings of
their past bookings stay for the reports, under the random subject they already carry and without the person."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vicinato.lib.personal_data import Holder

from .models import BookingImpact, CommuteProfile


def _profile(person) -> list[dict]:
    return [
        {
            "consent_given_at": p.consented_at,
            "usual_mode": p.get_usual_mode_display(),
            "office_days": p.office_days,
            "arrival_time": p.arrival_time.isoformat(),
            "home_cell": f"{p.home_lat:.5f},{p.home_lon:.5f}",
            "work_cell": f"{p.work_lat:.5f},{p.work_lon:.5f}",
        }
        for p in CommuteProfile.objects.filter(person=person)
    ]


def _forget(person) -> None:
    CommuteProfile.objects.filter(person=person).delete()
    BookingImpact.objects.filter(person=person).update(person=None)


COMMUTE = Holder("commute_profile", lambda: _("Commute profile"), _profile, forget=_forget)
