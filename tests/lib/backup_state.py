"""Run by tests/lib/test_backup.py in a process of its own, on a database of its own:
`python tests/lib/backup_state.py prepare` adds what the demo lacks (a photo, a voucher document, bookings with a
voucher and a cancellation); `... snapshot` prints, as JSON, what a restore must keep identical."""

import hashlib
import json
import sys
from datetime import datetime, time, timedelta

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import storages  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from vicinato.agreements import vouchers  # noqa: E402
from vicinato.agreements.models import LedgerEntry, VoucherApplication, VoucherDocument, VoucherProgramme  # noqa: E402
from vicinato.booking.models import Reservation, ReservationEvent, Resource  # noqa: E402
from vicinato.booking.services import cancel, reserve  # noqa: E402
from vicinato.lib.backup import STORED, stored_files  # noqa: E402
from vicinato.register.models import Place  # noqa: E402

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000"
    "1ff5ba8b0a90000000049454e44ae426082"
)


def prepare() -> None:
    place = Place.objects.listed().order_by("name_it").first()
    place.photo.save("facciata.png", ContentFile(PNG), save=True)
    application = VoucherApplication.objects.filter(state="approved").select_related("person").first()
    VoucherDocument.objects.create(
        application=application, file=ContentFile(b"%PDF-1.4 demo\n%%EOF\n", name="isee.pdf")
    )
    person = application.person
    tz = timezone.get_current_timezone()
    booked = []
    programme = application.programme
    # The demo's programme runs to 31 December: late in December, give it the weeks these bookings need.
    programme.valid_until = max(programme.valid_until, timezone.localdate() + timedelta(days=30))
    programme.save(update_fields=["valid_until"])
    desks = Resource.objects.filter(
        kind="desk",
        price_cents_per_slot__gt=0,
        who_may_book="everyone",
        place__applications__register__in=programme.registers.all(),
        place__applications__state="approved",
    ).distinct()
    for resource in desks.order_by("place__name_it")[:20]:
        for offset in range(1, 15):  # the first day the rules allow, inside the programme's dates
            day = timezone.localdate() + timedelta(days=offset)
            if day > programme.valid_until:
                break
            start = datetime.combine(day, time(10), tzinfo=tz)
            try:
                booked.append(reserve(person, resource, start, start + timedelta(hours=2)))
                break
            except Exception:  # a rule of that day (closed, notice...): the next day
                continue
        if len(booked) == 3:
            break
    cancel(booked[0], person, "Cambio di programma")
    assert LedgerEntry.objects.filter(application__person=person).count() >= 2, "no voucher entries"


def _rows(queryset) -> list:
    return json.loads(json.dumps(list(queryset.values()), default=str))


def snapshot() -> dict:
    client = Client()
    booking = max(Reservation.objects.all(), key=lambda r: (r.events.count(), -r.pk))
    ledger = {}
    for person in get_user_model().objects.filter(voucher_applications__ledger__isnull=False).distinct():
        _entries, years = vouchers.statement(person)
        ledger[person.username] = [
            [
                y.programme.pk,
                y.year,
                str(y.totals.reserved),
                str(y.totals.committed),
                str(y.totals.released),
                str(y.left),
            ]
            for y in years
        ]
    return {
        "counts": {model._meta.label: model.objects.count() for model in apps.get_models()},
        "migrations": sorted(map(list, MigrationRecorder(connection).applied_migrations())),
        "booking": _rows(Reservation.objects.filter(pk=booking.pk)),
        "history": _rows(ReservationEvent.objects.filter(reservation=booking).order_by("pk")),
        "ledger": ledger,
        "budgets": {p.pk: str(vouchers.counted_in_budget(p)) for p in VoucherProgramme.objects.all()},
        "opendata": {
            name: client.get(f"/opendata/{name}").content.decode()
            for name in ("places.csv", "places.geojson", "places.json", "impact.csv", "catalog.json")
        },
        "files": {
            f"{alias}/{name}": hashlib.sha256(storages[alias].open(name).read()).hexdigest()
            for alias in STORED
            for name in stored_files(storages[alias])
        },
    }


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare()
    else:
        print(json.dumps(snapshot(), sort_keys=True))
