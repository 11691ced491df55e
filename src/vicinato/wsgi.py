"""WSGI entry point for gunicorn and other servers."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:  # e.g. no SECRET_KEY: one line, not a traceback
    sys.exit(f"vicinato: {error}")
# Import every view now rather than in each worker's first requests (about a second of CPU each): with
# gunicorn --preload, once in the master for all its workers.
_urls = get_resolver().url_patterns
