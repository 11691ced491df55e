"""The API's middleware: its own, leaner stack (ApiStackMiddleware) and its language (ApiLanguageMiddleware).

The API has no language prefix in its URLs: it answers in the language of Accept-Language (or of the language
cookie), Italian by default.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    """Activates the language the request asks for, and says it in the answer as the pages' LocaleMiddleware does
    (Content-Language, Vary: Accept-Language)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ApiStackMiddleware:
    """First in MIDDLEWARE: a request under /api/ goes through settings.API_MIDDLEWARE instead of the rest of
    MIDDLEWARE, then to its view as Django's handler sends it (URL resolving, the middleware's view, exception
    and template-response hooks, Http404 and errors turned into answers).

    API_MIDDLEWARE is MIDDLEWARE without what the API has no use for and every request paid (a tenth of a
    booking's time in Python): static files (WhiteNoise), messages, and the pages' language (LocaleMiddleware,
    whose choice ApiLanguageMiddleware replaced anyway). Security headers, sessions, CSRF, slash redirects and
    host checks (CommonMiddleware) and authentication stay: tests/booking/test_api_middleware.py checks that
    the API answers as it did through the pages' stack.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.api = _StackHandler(settings.API_MIDDLEWARE)

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.api.chain(request)
        return self.get_response(request)


class _StackHandler(BaseHandler):
    """Django's handler (BaseHandler) over another list of middleware: synchronous, as gunicorn's workers."""

    def __init__(self, middleware: list[str]):
        super().__init__()
        self._view_middleware, self._template_response_middleware, self._exception_middleware = [], [], []
        # As BaseHandler.load_middleware builds the chain of settings.MIDDLEWARE.
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(middleware):
            factory = import_string(path)
            if not getattr(factory, "sync_capable", True):
                raise ImproperlyConfigured(f"API_MIDDLEWARE: {path} cannot run synchronously.")
            try:
                instance = factory(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self.chain = handler
