"""The pages every Italian public-sector site must have, linked from the footer: the privacy notice (GDPR arts.
13-14), the accessibility statement in AgID's model with its feedback form (Law 4/2004, AgID's guidelines) and
the legal notes. Their long prose is written once per language (``name.it.html``, ``name.en.html``); the form
and the footer go through the catalogues like every other page."""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vicinato.lib import mail

# AgID's form for reporting an inaccessible site to the Difensore civico per il digitale (the enforcement
# procedure the statement must name).
AGID_ENFORCEMENT_URL = "https://form.agid.gov.it/"


def _prose(request, name: str, context: dict | None = None):
    language = "it" if (translation.get_language() or "it").startswith("it") else "en"
    base = {
        "owner": settings.SITE_OWNER,
        "contact_email": settings.CONTACT_EMAIL,
        "dpo_email": settings.DPO_EMAIL,
        "accessibility_email": settings.ACCESSIBILITY_EMAIL,
        "map_tiles_third_party": bool(settings.MAP_TILE_URL) and not settings.MAP_TILE_URL.startswith("/"),
    }
    return render(request, f"web/legal/{name}.{language}.html", {**base, **(context or {})})


def privacy(request):
    return _prose(request, "privacy")


def legal_notes(request):
    return _prose(request, "legal_notes")


class AccessibilityFeedbackForm(forms.Form):
    page = forms.CharField(
        label=gettext_lazy("Page with the problem (its address, or what it is)"),
        required=False,
        max_length=500,
    )
    description = forms.CharField(
        label=gettext_lazy("What did not work for you?"),
        help_text=gettext_lazy("Say what you tried to do, and with which device or assistive technology."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail, if you want an answer"),
        required=False,
    )

    def clean_page(self):
        page = self.cleaned_data["page"]
        if any(ch in page for ch in "\r\n"):
            raise forms.ValidationError(_("Write the page on one line."))
        return page.strip()


def _came_from(request) -> str:
    """The page the person came from (our own site only), to fill in the form."""
    page = request.GET.get("pagina", "") or request.META.get("HTTP_REFERER", "")
    allowed = url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()})
    return page[:500] if page and allowed else ""


def accessibility(request):
    if request.method == "POST":
        form = AccessibilityFeedbackForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            mail.send(
                settings.ACCESSIBILITY_EMAIL,
                mail.template("web/email/accessibility_feedback.txt", data),
                reply_to=data["email"] or None,
            )
            if data["email"]:
                messages.success(
                    request,
                    _("Thank you: your report has been sent. We answer at %(email)s within 30 days.")
                    % {"email": data["email"]},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Thank you: your report has been sent. Leave an e-mail next time if you want an answer."
                    ),
                )
            return redirect("web:accessibility")
    else:
        form = AccessibilityFeedbackForm(initial={"page": _came_from(request)})
    return _prose(
        request,
        "accessibility",
        {
            "form": form,
            "reviewed": date.fromisoformat(settings.ACCESSIBILITY_REVIEWED),
            "agid_url": AGID_ENFORCEMENT_URL,
        },
    )
