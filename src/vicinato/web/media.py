"""The places' photos, read through the file storage of STORAGES["default"] (the local media folder, or an
S3-compatible bucket shared by every server), so that any server serves a photo uploaded through another.
Only `places/` is public: voucher documents are served by their own view, which checks who asks."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

PUBLIC_FOLDERS = ("places",)
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


@require_GET
def public_file(request, folder: str, name: str):
    path = PurePosixPath(folder, name)
    content_type = IMAGE_TYPES.get(path.suffix.lower())
    if folder not in PUBLIC_FOLDERS or content_type is None or ".." in path.parts:
        raise Http404
    # Asked first: a bucket's storage opens lazily and would fail only while streaming.
    if not default_storage.exists(str(path)):
        raise Http404
    try:
        handle = default_storage.open(str(path), "rb")
    except OSError:  # removed meanwhile
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    # A new photo gets a new name (the old one is deleted), so a name's content never changes.
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
