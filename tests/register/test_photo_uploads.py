"""A place's photo: limited in size, decoded and re-encoded (what is not an image, or hides something after one,
does not reach the site), and a replaced or removed photo is deleted (issue 18, finding 10)."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from vicinato.register.models import Place

pytestmark = pytest.mark.django_db


def photo(name="photo.png", kind="PNG", size=(40, 30), extra=b"") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, kind)
    return SimpleUploadedFile(name, out.getvalue() + extra)


def edit(client, place, **extra):
    data = {
        "kind": "coworking",
        "name_it": place.name_it,
        "address": place.address,
        "lat": place.lat,
        "lon": place.lon,
        "desks": place.desks,
        "photo_alt": "A bright room",
        **extra,
    }
    return client.post(f"/en/gestione/luoghi/{place.public_id}/modifica/", data)


@pytest.fixture
def admin_client(client, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["org_admin"])
    return client


def test_a_photo_is_re_encoded_without_what_follows_it(admin_client, place):
    response = edit(admin_client, place, photo=photo(extra=b"<html><script>alert(1)</script></html>"))
    assert response.status_code == 302, response.content.decode()[:2000]
    place.refresh_from_db()
    stored = place.photo.read()
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_a_photo_too_large_is_refused(admin_client, place):
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (6 * 1024 * 1024))
    response = edit(admin_client, place, photo=big)
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
    place.refresh_from_db()
    assert not place.photo


def test_a_photo_with_too_many_pixels_is_refused(admin_client, place):
    response = edit(admin_client, place, photo=photo(size=(9000, 9000)))
    assert response.status_code == 200
    assert "too large" in response.content.decode()


def test_html_named_as_a_photo_is_refused(admin_client, place):
    response = edit(admin_client, place, photo=SimpleUploadedFile("x.png", b"<html></html>"))
    assert response.status_code == 200
    place.refresh_from_db()
    assert not place.photo


def test_a_replaced_photo_is_deleted(admin_client, place, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        edit(admin_client, place, photo=photo("first.png"))
    place.refresh_from_db()
    first = place.photo.name
    assert default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        edit(admin_client, place, photo=photo("second.jpg", "JPEG"))
    place.refresh_from_db()
    assert place.photo.name != first and default_storage.exists(place.photo.name)
    assert not default_storage.exists(first)
    second = place.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        edit(admin_client, place, **{"photo-clear": "on"})
    place = Place.objects.get(pk=place.pk)
    assert not place.photo and not default_storage.exists(second)
