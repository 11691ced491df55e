"""The site's error pages (400, 403, 404, 500), in its own frame and in the person's language."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _


def _error(request, status: int, title, message):
    return render(
        request, "web/error.html", {"status": status, "title": title, "message": message}, status=status
    )


def error_400(request, message: str):
    return _error(request, 400, _("Request not accepted"), message)


def error_403(request, exception=None):
    message = str(exception) if exception and str(exception) else _("You are not allowed to see this page.")
    return _error(request, 403, _("Access denied"), message)


def error_404(request, exception=None):
    return _error(
        request,
        404,
        _("Page not found"),
        _("The page you asked for does not exist or has moved. Start again from the home page."),
    )


def error_500(request):
    return _error(
        request,
        500,
        _("Something went wrong"),
        _("An error on our side stopped this page. Try again in a few minutes."),
    )
