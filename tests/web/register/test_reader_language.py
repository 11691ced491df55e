"""Free text kept in both languages is shown in the reader's language only (Italian when there is no English)."""

from datetime import timedelta

from django.utils import timezone, translation

from vicinato.booking.models import Resource
from vicinato.booking.services import block_resource
from vicinato.register.models import Application, Closure
from vicinato.register.workflow import transition


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


def test_a_review_note_is_shown_in_the_language_it_was_written_in(client, people, place, register):
    """A note is written once: the applicant reads it as written, marked with its language for screen readers,
    whatever language they read the site in."""
    application = Application.objects.create(
        place=place, register=register, state=Application.State.SUBMITTED
    )
    with translation.override("en"):
        transition(application, "request_changes", people["reviewer"], "Please upload the floor plan")
    event = application.events.get(action="request_changes")
    assert event.note_language == "en"
    client.force_login(people["org_admin"])
    for prefix in ("", "/en"):
        page = client.get(f"{prefix}/gestione/candidature/{application.pk}/").content.decode()
        assert '<q lang="en">Please upload the floor plan</q>' in page


def test_a_block_reason_is_shown_to_the_operator_in_the_readers_language(client, listed, people):
    resource = Resource.objects.create(place=listed, kind=Resource.Kind.DESK, name_it="Scrivanie")
    start = timezone.now() + timedelta(days=1)
    block_resource(
        resource,
        start,
        start + timedelta(hours=2),
        "Tinteggiatura",
        people["site_admin"],
        reason_en="Painting",
    )
    client.force_login(people["site_admin"])
    english = client.get(f"/en/gestione/luoghi/{listed.public_id}/blocchi/").content.decode()
    italian = client.get(f"/gestione/luoghi/{listed.public_id}/blocchi/").content.decode()
    assert "(Painting)" in english and "Tinteggiatura" not in english
    assert "(Tinteggiatura)" in italian and "Painting" not in italian
