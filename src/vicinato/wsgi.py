"""WSGI entry point for gunicorn and other servers."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vicinato.settings")
application = get_wsgi_application()
# Import every view now rather than in each worker's first requests (about a second of CPU each): with
# gunicorn --preload, once in the master for all its workers.
_urls = get_resolver().url_patterns
