"""Uploaded files go through STORAGES["default"]: a local folder by default, an S3-compatible bucket by
configuration (django-storages), refused with one line when half configured."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, storages
from django.utils.module_loading import import_string

from vicinato.settings import media_storage


def test_local_by_default():
    assert media_storage({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert isinstance(storages["default"], FileSystemStorage)


def test_s3_compatible_bucket_from_the_environment():
    config = media_storage(
        {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": "vicinato-media",
            "S3_ENDPOINT_URL": "https://objects.example.it",
            "S3_REGION": "eu-south-1",
            "S3_ACCESS_KEY_ID": "key",
            "S3_SECRET_ACCESS_KEY": "secret",
            "S3_PREFIX": "/milano/",
        }
    )
    storage = import_string(config["BACKEND"])(**config["OPTIONS"])
    assert (storage.bucket_name, storage.endpoint_url, storage.location) == (
        "vicinato-media",
        "https://objects.example.it",
        "milano",
    )
    assert storage.default_acl == "private" and storage.querystring_auth and not storage.file_overwrite


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"MEDIA_STORAGE": "ftp"}, "Set MEDIA_STORAGE to local or s3"),
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs S3_BUCKET"),
    ],
)
def test_bad_configuration_is_refused(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        media_storage(environ)
