"""Forgotten and changed passwords: Django's own views, with our pages, a bilingual mail and a rate limit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from vicinato.lib import mail, ratelimit

# Reset mails asked from one network address, and sent to one address: at most these many an hour.
RESETS_PER_NETWORK_ADDRESS = ratelimit.Limit("password-reset-network", 10, 3600)
RESETS_PER_EMAIL = ratelimit.Limit("password-reset-email", 3, 3600)


class ResetForm(PasswordResetForm):
    """Django's form, whose mail says everything in Italian, then in English (vicinato.lib.mail). Whether an
    account has the address is never said: the page after it reads the same."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        # The site's own address (SITE_URL), never one taken from the request's Host header.
        context = {
            **context,
            "link": mail.link("web:password_reset_confirm", uidb64=context["uid"], token=context["token"]),
        }

        def render_mail():
            subject = render_to_string(subject_template_name, context)
            return " ".join(subject.split()), render_to_string(email_template_name, context)

        mail.send(to_email, render_mail)


class ResetView(auth_views.PasswordResetView):
    form_class = ResetForm
    template_name = "web/password/reset.html"
    email_template_name = "web/password/reset_email.txt"
    subject_template_name = "web/password/reset_subject.txt"
    success_url = reverse_lazy("web:password_reset_sent")

    def form_valid(self, form):
        try:
            ratelimit.hit_all(
                (RESETS_PER_NETWORK_ADDRESS, self.request.META.get("REMOTE_ADDR", "")),
                (RESETS_PER_EMAIL, form.cleaned_data["email"].strip().lower()),
            )
        except ratelimit.RateLimited as refused:
            messages.error(self.request, str(refused))
            answer = render(self.request, self.template_name, {"form": form}, status=429)
            answer["Retry-After"] = str(refused.retry_after)
            return answer
        return super().form_valid(form)


class ResetSentView(auth_views.PasswordResetDoneView):
    template_name = "web/password/reset_sent.html"


class ResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/password/reset_confirm.html"
    success_url = reverse_lazy("web:login")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed: sign in with the new one."))
        return super().form_valid(form)


class ChangeView(auth_views.PasswordChangeView):
    template_name = "web/password/change.html"
    success_url = reverse_lazy("web:account")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
