"""The API's middleware: its own, leaner stack (ApiStackMiddleware) and its language (ApiLanguageMiddleware).

The API has no language prefix in its URLs: it answers in the language of Accept-Language (or of the language
cookie), Italian by default.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed, RequestDataTooBig
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from vicinato.lib.text import date_problem, text_problem

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


class ApiInputMiddleware:
    """Refuses, in the API's error shape, what would otherwise reach a view as an HTML 400 or a 500: a JSON body
    too large (413) or not JSON (400), and texts that cannot be stored (unpaired surrogates, control characters)
    or dates outside 1900-2200 (422, a message per field), in the JSON body or the query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request) -> JsonResponse | None:
        errors: dict[str, list[str]] = {}
        codes: dict[str, list[str]] = {}

        def check(field: str, value) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    check(f"{field}.{key}" if field else str(key), item)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    check(f"{field}.{index}" if field else str(index), item)
            elif isinstance(value, str):
                problem = text_problem(value) or date_problem(value)
                if problem:
                    errors.setdefault(field or "__all__", []).append(problem[0])
                    codes.setdefault(field or "__all__", []).append(problem[1])

        for key, values in request.GET.lists():
            for value in values:
                check(key, value)
        if request.content_type == "application/json" and request.method in (
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
        ):
            try:
                body = request.body
            except RequestDataTooBig:
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1_000_000
                return _error(
                    413, _("The request is too large: send at most %(size).1f MB.") % {"size": limit}
                )
            if body.strip():
                try:
                    check("", json.loads(body))
                except (ValueError, UnicodeDecodeError) as error:
                    detail = _("The body is not valid JSON (%(problem)s).") % {"problem": error}
                    return _error(400, detail)
        if errors:
            return _error(422, _("Some fields are not valid; see the messages per field."), errors, codes)
        return None


def _error(status: int, detail: str, errors: dict | None = None, codes: dict | None = None) -> JsonResponse:
    body = {"detail": detail, "errors": errors or {}}
    if codes is not None:
        body["codes"] = codes
    return JsonResponse(body, status=status)


class ApiStackMiddleware:
    """First in MIDDLEWARE: a request under /api/ goes through settings.API_MIDDLEWARE instead of the rest of
    MIDDLEWARE, then to its view as Django's handler sends it (URL resolving, the middleware's view, exception
    and template-response hooks, Http404 and errors turned into answers).

    API_MIDDLEWARE is MIDDLEWARE without what the API has no use for and every request paid (a tenth of a
    booking's time in Python): static files (WhiteNoise), messages, and the pages' language (LocaleMiddleware,
    whose choice ApiLanguageMiddleware replaced anyway). Security headers, sessions, CSRF, slash redirects and
    host checks (CommonMiddleware) and authentication stay: tests/api/test_middleware.py checks that
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
