"""What a page is sent, refused before any view reads it when it holds a NUL character, which no text can hold:
PostgreSQL stores none, and values that views read directly (a button's reason, a note, a filter) reached the
database raw, a 500 there. Nobody types a NUL; forms that meet one say so next to their field anyway (Django's
ProhibitNullCharactersValidator), and other control characters are said by the fields (vicinato.lib.text). The API
checks its own input (vicinato.api.middleware.ApiInputMiddleware)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import error_400

NUL = "\x00"


class PageInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = [request.GET] + ([request.POST] if request.method == "POST" else [])
        for values in sent:
            for key, found in values.lists():
                if any(NUL in value for value in (key, *found)):
                    return error_400(
                        request,
                        _(
                            "What you sent holds a NUL character, which no text can hold, so nothing was done. "
                            "Go back and type it again."
                        ),
                    )
        return self.get_response(request)
