"""Free text kept in both languages is shown in the reader's language only (Italian when there is no English)."""

from datetime import timedelta

from django.utils import timezone

from vicinato.register.models import Closure


def test_a_closures_reason_in_the_readers_language_only(client, listed):
    soon = timezone.localdate() + timedelta(days=3)
    Closure.objects.create(
        place=listed,
        start_date=soon,
        end_date=soon,
        reason_it="Chiusura natalizia",
        reason_en="Christmas closure",
    )
    Closure.objects.create(
        place=listed,
        start_date=soon + timedelta(days=9),
        end_date=soon + timedelta(days=9),
        reason_it="Lavori",
    )
    english = client.get(f"/en/luoghi/{listed.public_id}/").content.decode()
    italian = client.get(f"/luoghi/{listed.public_id}/").content.decode()
    assert "Christmas closure" in english and "Chiusura natalizia" not in english
    assert "Chiusura natalizia" in italian and "Christmas closure" not in italian
    assert ": Lavori" in english  # no English given: the Italian one
