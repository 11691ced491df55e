"""The second factor of the people who need one (agreements.permissions.needs_second_factor): a code of an
authenticator app (TOTP, django-otp), set up once and asked at every sign-in before any other page. Signing in
with SPID or CIE at level 2 or 3 is already two factors, so it is not asked then (register.identities)."""

from __future__ import annotations

import base64
from urllib.parse import quote

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from vicinato.agreements.permissions import needs_second_factor
from vicinato.lib import ratelimit
from vicinato.register.identities import has_second_factor

from .views import _next_page, home_for

# Pages open before the second factor: its own, signing out, and the language switch.
EXEMPT = {"web:second_factor", "web:second_factor_setup", "web:logout", "set_language"}
# Codes tried by one person: at most these many in a quarter of an hour (django-otp also slows each device).
CODES_PER_PERSON = ratelimit.Limit("second-factor-person", 10, 900)


class RequireSecondFactor:
    """Sends whoever needs a second factor and has not given it in this session to give it (or set it up)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if (
            not settings.STAFF_SECOND_FACTOR
            or not user.is_authenticated
            or has_second_factor(request)
            or request.resolver_match.view_name in EXEMPT
            or not needs_second_factor(user)
        ):
            return None
        confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        page = reverse("web:second_factor" if confirmed else "web:second_factor_setup")
        return redirect(f"{page}?next={quote(request.get_full_path())}")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code of your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _accepted(request, form: CodeForm, devices) -> bool:
    """Whether the code opens one of the devices (then this session is verified)."""
    if not form.is_valid():
        return False
    try:
        ratelimit.hit(CODES_PER_PERSON, request.user.pk)
    except ratelimit.RateLimited as refused:
        form.add_error("code", str(refused))
        return False
    code = "".join(form.cleaned_data["code"].split())
    for device in devices:
        if device.verify_token(code):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return True
    form.add_error("code", _("This code is not right: type the code your app shows now."))
    return False


def _onwards(request):
    return redirect(_next_page(request) or reverse(home_for(request.user)))


@login_required
def setup(request):
    """Set up the app: scan the QR code (or type the key), then type a code to confirm."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(reverse("web:second_factor") + f"?next={quote(_next_page(request))}")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Vicinato", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and _accepted(request, form, [device]):
        messages.success(request, _("Your authenticator app is set up: it gives your code at every sign-in."))
        return _onwards(request)
    context = {
        "form": form,
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("QR code for your app")),
        "key": base64.b32encode(device.bin_key).decode(),
        "next": _next_page(request),
    }
    return render(request, "web/second_factor_setup.html", context)


@login_required
def verify(request):
    form = CodeForm(request.POST or None)
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    if request.method == "POST" and _accepted(request, form, devices):
        return _onwards(request)
    return render(request, "web/second_factor.html", {"form": form, "next": _next_page(request)})
