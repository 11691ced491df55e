"""The sign-up form: a name, the e-mail address that is also the name to sign in with, and a password. It never
says whether an address already has an account (web/site/signup.py answers the same and tells the mailbox)."""

from __future__ import annotations

from confusable_homoglyphs import confusables
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.utils.translation import gettext_lazy

# Accounts sign in with their e-mail address as their username, whose column holds 150 characters.
EMAIL_LENGTH = 150


class SignupForm(BaseUserCreationForm):
    """The name comes first: it is how operators, reviewers and organisations see the person. There is no
    username to choose (a form that refused a taken one would tell anyone which exist): the e-mail address,
    confirmed by a link, is the name to sign in with."""

    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Surname"), max_length=150)
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        max_length=EMAIL_LENGTH,
        help_text=gettext_lazy("We send a link to confirm it; you then sign in with it."),
    )

    class Meta(BaseUserCreationForm.Meta):
        fields = ["first_name", "last_name", "email"]

    def _clean_name(self, field: str) -> str:
        name = " ".join(self.cleaned_data[field].split())
        if not name:
            raise forms.ValidationError(gettext_lazy("This field is required."))
        return name

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        # `аdmin@…` with a Cyrillic а passes for `admin@…`: letters of two scripts that look alike are refused.
        if confusables.is_dangerous(email):
            raise forms.ValidationError(
                gettext_lazy("Use letters of one alphabet: this address mixes letters that look alike.")
            )
        return email

    def clean_first_name(self) -> str:
        return self._clean_name("first_name")

    def clean_last_name(self) -> str:
        return self._clean_name("last_name")

    def save(self, commit: bool = True):
        """A new account, inactive until its address is confirmed, whose username is its e-mail address."""
        user = super().save(commit=False)
        user.username = user.email.lower()
        user.is_active = False
        if commit:
            user.save()
        return user


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("E-mail or username")

    def clean_username(self) -> str:
        """An address signs in whatever its case: accounts made by sign-up hold it in lower case."""
        name = self.cleaned_data["username"]
        if "@" in name and not get_user_model().objects.filter(username=name).exists():
            return name.lower()
        return name
