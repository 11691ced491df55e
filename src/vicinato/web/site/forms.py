"""The sign-up form: Django's own, with the e-mail address our messages go to."""

from __future__ import annotations

from confusable_homoglyphs import confusables
from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy


class SignupForm(UserCreationForm):
    """The name comes first: it is how operators, reviewers and organisations see the person."""

    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Surname"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"))

    class Meta(UserCreationForm.Meta):
        fields = ["first_name", "last_name", "username", "email"]

    def _clean_name(self, field: str) -> str:
        name = " ".join(self.cleaned_data[field].split())
        if not name:
            raise forms.ValidationError(gettext_lazy("This field is required."))
        return name

    def clean_username(self) -> str:
        username = super().clean_username()
        # `аdmin` with a Cyrillic а passes for `admin`: letters of two scripts that look alike are refused.
        if confusables.is_dangerous(username):
            raise forms.ValidationError(
                gettext_lazy("Use letters of one alphabet: this name mixes letters that look alike.")
            )
        return username

    def clean_first_name(self) -> str:
        return self._clean_name("first_name")

    def clean_last_name(self) -> str:
        return self._clean_name("last_name")
