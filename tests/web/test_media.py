"""Places' photos are served from the storage (any server serves what another stored); voucher documents and
anything else are not public."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from vicinato.lib.uploads import reencoded_image

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478da63f8ffff3f0005fe02fe"
    "a7d4a8ba0000000049454e44ae426082"
)


def test_a_place_photo_is_served_from_the_storage(db, client, place):
    place.photo.save("front.png", reencoded_image(ContentFile(PNG, name="front.png")), save=True)
    response = client.get(f"/media/{place.photo.name}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == default_storage.open(place.photo.name).read()
    assert "max-age" in response["Cache-Control"]


def test_documents_and_other_files_are_not_public(db, client):
    default_storage.save("vouchers/abc/isee.pdf", ContentFile(b"%PDF-1.4"))
    default_storage.save("places/notes.html", ContentFile(b"<script>"))
    assert client.get("/media/vouchers/abc/isee.pdf").status_code == 404
    assert client.get("/media/places/notes.html").status_code == 404
    assert client.get("/media/places/missing.png").status_code == 404
    assert client.get("/media/places/../vouchers/abc/isee.pdf").status_code == 404
