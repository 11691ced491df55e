"""A person's account page: what the site holds about them, its export (JSON and CSV), their API tokens, and
deleting the account (vicinato.lib.personal_data decides what goes and what stays anonymised)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from vicinato.lib import personal_data
from vicinato.lib.forms import add_errors
from vicinato.register import tokens
from vicinato.register.models import ApiToken, DigitalIdentity

from .providers import by_kind


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scope = forms.ChoiceField(label=gettext_lazy("What it may do"), choices=ApiToken.Scope.choices)
    days = forms.TypedChoiceField(label=gettext_lazy("Valid for"), coerce=int, initial=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Put into words in the language of the request, not of the import.
        self.fields["days"].choices = [(d, _("%(days)d days") % {"days": d}) for d in tokens.LIFETIMES_DAYS]


class DeleteAccountForm(forms.Form):
    """Deleting cannot be undone: the person types their password again (or, for an account made by signing in
    with SPID/CIE, which has no password, ticks that they understand)."""

    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, person, *args, **kwargs):
        self.person = person
        super().__init__(*args, **kwargs)
        if not person.has_usable_password():
            del self.fields["password"]
            self.fields["understood"] = forms.BooleanField(
                label=gettext_lazy("I understand that my account is deleted for good"), required=True
            )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.person.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


def _page(request, form: DeleteAccountForm, status: int = 200, token_form: TokenForm | None = None, **extra):
    person = request.user
    sections = [
        (_("Your account"), personal_data.labelled(personal_data.account_rows(person))),
        *(
            (holder.title(), personal_data.labelled(holder.export(person)))
            for holder in personal_data.holders()
        ),
    ]
    context = {
        "sections": sections,
        "form": form,
        "still_open": personal_data.still_open(person),
        "privacy": reverse("web:privacy"),
        "tokens": ApiToken.objects.filter(user=person).order_by("-created_at"),
        "token_form": token_form or TokenForm(),
        "identity": DigitalIdentity.objects.filter(user=person).first(),
        "identities": by_kind(),
        **extra,
    }
    return render(request, "web/account/account.html", context, status=status)


@login_required
def account(request):
    return _page(request, DeleteAccountForm(request.user))


def _download(request, text: str, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text, content_type=content_type)
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="vicinato-{request.user.pk}-{day}.{extension}"'
    return response


@login_required
def export_json(request):
    return _download(request, personal_data.as_json(request.user), "json", "application/json; charset=utf-8")


@login_required
def export_csv(request):
    return _download(request, personal_data.as_csv(request.user), "csv", "text/csv; charset=utf-8")


@login_required
@require_POST
def make_token(request):
    """A new API token, shown on the page this once (never stored in the clear, never put in a message)."""
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            token = tokens.make(request.user, data["name"], data["scope"], data["days"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            return _page(request, DeleteAccountForm(request.user), new_token=token)
    return _page(request, DeleteAccountForm(request.user), status=422, token_form=form)


@login_required
@require_POST
def revoke_token(request, pk: int):
    tokens.revoke(request.user, pk)
    messages.success(request, _("The token is revoked: it no longer works."))
    return redirect("web:account")


@login_required
@require_POST
def delete(request):
    form = DeleteAccountForm(request.user, request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        personal_data.forget(request.user)
    except personal_data.StillOpen as refused:
        for reason in refused.reasons:
            messages.error(request, reason)
        return _page(request, form, status=409)
    logout(request)
    messages.success(
        request,
        _(
            "Your account is deleted. Past bookings and voucher subsidies stay in the figures, without your name."
        ),
    )
    return redirect("web:home")
