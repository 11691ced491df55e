"""Uploaded files checked by what they hold, not by their name.

- Images (a place's photo, a scanned document) are decoded with Pillow and re-encoded: what is not an image, or
  hides something after one (HTML, a script), does not reach the site; the EXIF data (where a photo was taken)
  goes too. Their size and their number of pixels are limited.
- PDFs are recognised by their signature (`%PDF-` at the start), whatever their name.
"""

from __future__ import annotations

import io
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 50_000_000
PHOTO_SIDE = 2400  # a place's photo is shown at most this wide or high
DOCUMENT_SIDE = 5000  # a scan keeps its detail
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".jpg"}
DOCUMENT_EXTENSIONS = {".pdf": "PDF", ".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def check_size(upload, max_bytes: int = MAX_BYTES) -> None:
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is larger than %(mb)d MB; upload a smaller one.")
            % {"mb": max_bytes // (1024 * 1024)},
            code="file_too_large",
        )


def check_pixels(upload) -> None:
    """Refuse an image of more than MAX_PIXELS from its header alone (before anything decodes it)."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return  # not an image: said by whoever decodes it
    finally:
        upload.seek(0)
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _("The image is too large (%(width)d × %(height)d pixels); upload one of at most 50 megapixels.")
            % {"width": width, "height": height},
            code="image_too_large",
        )


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not an image that Vicinato can read; upload a JPEG or PNG picture."),
        code="invalid_image",
    )


def reencoded_image(upload, max_side: int = PHOTO_SIDE, formats: dict[str, str] | None = None) -> ContentFile:
    """The upload decoded and saved again (JPEG or PNG, at most max_side pixels a side), or a ValidationError."""
    formats = formats or IMAGE_FORMATS
    check_size(upload)
    check_pixels(upload)
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in formats:
                raise _not_an_image()
            extension = formats[image.format]
            image.load()
            picture = ImageOps.exif_transpose(image)
            if extension == ".jpg" and picture.mode not in ("RGB", "L"):
                picture = picture.convert("RGB")
            elif extension == ".png" and picture.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                picture = picture.convert("RGBA")
            picture.thumbnail((max_side, max_side))
            out = io.BytesIO()
            if extension == ".jpg":
                picture.save(out, "JPEG", quality=88, optimize=True)
            else:
                picture.save(out, "PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    stem = PurePath(getattr(upload, "name", "") or "image").stem[:80] or "image"
    return ContentFile(out.getvalue(), name=stem + extension)


def checked_document(upload) -> UploadedFile | ContentFile:
    """A PDF (by its signature) as it is, or a JPEG or PNG re-encoded; a ValidationError for anything else, or for a
    file whose content is not what its name says."""
    check_size(upload)
    extension = PurePath(upload.name or "").suffix.lower()
    expected = DOCUMENT_EXTENSIONS.get(extension)
    if expected is None:
        return upload  # refused by the model's FileExtensionValidator, with the extensions it takes
    if expected == "PDF":
        upload.seek(0)
        if upload.read(5) != b"%PDF-":
            raise ValidationError(
                _("This file is not a PDF, although its name ends in .pdf; upload the PDF itself."),
                code="not_pdf",
            )
        upload.seek(0)
        return upload
    suffix = ".jpg" if expected == "JPEG" else ".png"
    return reencoded_image(upload, DOCUMENT_SIDE, {expected: suffix})


def accepted_document(upload, held: int, most: int) -> UploadedFile | ContentFile:
    """A new document of an application holding `held` of at most `most`: the checked file (`checked_document`),
    or a ValidationError on the form's `file` field saying what to do."""
    if upload is None:
        raise ValidationError({"file": [_("Choose a file to upload.")]})
    if held >= most:
        message = _("An application holds at most %(count)d documents; this one cannot be added.")
        raise ValidationError({"file": [message % {"count": most}]})
    try:
        return checked_document(upload)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None


class PhotoField(forms.ImageField):
    """An image field whose new uploads are limited in size first, then decoded and re-encoded."""

    def to_python(self, data):
        if data not in self.empty_values and getattr(data, "size", None) is not None:
            check_size(data)
            check_pixels(data)
        return super().to_python(data)

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            return reencoded_image(value)
        return value
