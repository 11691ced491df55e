"""What a page is sent, refused before any view reads it when no text may hold it: control characters (NUL
among them) or broken Unicode in a form or a query string. Forms say so next to their fields, but buttons and
links whose values views read directly (a reason, a note, a filter) reached the database raw: PostgreSQL stores
no NUL, so that was a 500. The API checks its own input the same way (vicinato.api.middleware.ApiInputMiddleware)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from vicinato.lib.text import text_problem

from .errors import error_400


class PageInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = [request.GET] + ([request.POST] if request.method == "POST" else [])
        for values in sent:
            for key, found in values.lists():
                if any(text_problem(value) for value in (key, *found)):
                    return error_400(
                        request,
                        _(
                            "What you sent holds characters that are not valid (control characters or broken "
                            "Unicode), so nothing was done. Go back and type it again."
                        ),
                    )
        return self.get_response(request)
