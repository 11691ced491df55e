"""Signing up without telling anyone which accounts exist: the page answers "check your mail" whatever was
typed, and only the mailbox learns the rest. A new address gets a link that confirms it (the account is
inactive until then); an address that already has an account gets a note with links to sign in and to reset
the password. There is no username to choose: the confirmed address is the name to sign in with."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from vicinato.lib import mail, ratelimit

from .forms import SignupForm
from .views import _next_page

# Sign-ups from one network address, and mails about signing up sent to one address: at most these many an hour.
SIGNUPS_PER_ADDRESS = ratelimit.Limit("signup-address", 10, 3600)
SIGNUPS_PER_EMAIL = ratelimit.Limit("signup-email", 3, 3600)


class ConfirmationTokens(PasswordResetTokenGenerator):
    """Links that confirm a new account's address: they expire (PASSWORD_RESET_TIMEOUT) and work once (the
    account they activate no longer matches them)."""

    key_salt = "vicinato.web.site.signup"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


tokens = ConfirmationTokens()


def _existing(email: str):
    """The account that already has this address (or signs in with it), if any."""
    return (
        get_user_model()
        .objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("pk")
        .first()
    )


def _unconfirmed(user) -> bool:
    return not user.is_active and user.last_login is None


def _mail_confirmation(user, next_page: str) -> None:
    link = mail.link(
        "web:signup_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=tokens.make_token(user),
    )
    if next_page:
        link += "?" + urlencode({"next": next_page})

    def render_mail():
        return _("Confirm your e-mail address on Vicinato"), _(
            "To finish creating your Vicinato account, open this link and confirm: %(url)s\n\n"
            "From then on you sign in with this e-mail address. If you did not sign up, ignore this message: "
            "no account is made."
        ) % {"url": link}

    mail.send(user.email, render_mail)


def _mail_existing(email: str) -> None:
    def render_mail():
        return _("You already have a Vicinato account"), _(
            "Someone (you, we hope) tried to create a Vicinato account with this e-mail address, which already "
            "has one. Sign in here: %(login)s\n\nIf you have forgotten the password, choose a new one here: "
            "%(reset)s\n\nIf it was not you, ignore this message: nothing has changed."
        ) % {"login": mail.link("web:login"), "reset": mail.link("web:password_reset")}

    mail.send(email, render_mail)


def signup(request):
    form = SignupForm(request.POST or None)
    next_page = _next_page(request)
    if request.method == "POST":
        email = request.POST.get("email", "").strip().lower()
        try:
            ratelimit.hit_all(
                (SIGNUPS_PER_ADDRESS, request.META.get("REMOTE_ADDR", "")), (SIGNUPS_PER_EMAIL, email)
            )
        except ratelimit.RateLimited as refused:
            messages.error(request, str(refused))
            response = render(
                request, "web/signup.html", {"form": SignupForm(), "next": next_page}, status=429
            )
            response["Retry-After"] = str(refused.retry_after)
            return response
        if form.is_valid():
            _sign_up(form, next_page)
            return redirect("web:signup_sent")
    return render(request, "web/signup.html", {"form": form, "next": next_page})


def _sign_up(form: SignupForm, next_page: str) -> None:
    """What the valid form leads to, told only to the mailbox: the same page follows in every case."""
    email = form.cleaned_data["email"]
    existing = _existing(email)
    if existing is None:
        try:
            with transaction.atomic():
                _mail_confirmation(form.save(), next_page)
            return
        except IntegrityError:  # made meanwhile by another sign-up with the address
            existing = _existing(email)
    else:
        make_password(form.cleaned_data["password1"])  # as long as making an account takes
    if existing is not None and _unconfirmed(existing):
        _mail_confirmation(existing, next_page)
    else:
        _mail_existing(email)


def signup_sent(request):
    return render(request, "web/signup_sent.html")


def signup_confirm(request, uidb64: str, token: str):
    """The link of the confirmation mail: shown on GET, confirmed by POST (mail scanners open links); the
    account is then active and signed in."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        pk = None
    user = get_user_model().objects.filter(pk=pk).first() if pk else None
    if user is None or not _unconfirmed(user) or not tokens.check_token(user, token):
        error = _("This link is not valid or has expired: sign in, or sign up again for a new link.")
        return render(request, "web/signup_confirm.html", {"error": error}, status=400)
    next_page = _next_page(request)
    if request.method == "POST":
        user.is_active = True
        user.save(update_fields=["is_active"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to Vicinato: your account is ready."))
        return redirect(next_page or "web:my_bookings")
    return render(request, "web/signup_confirm.html", {"email": user.email, "next": next_page})
