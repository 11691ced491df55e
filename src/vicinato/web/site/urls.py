"""The addresses of the site's own pages: home, signing in and up, the dashboard, open data, credits and the
legal pages (privacy notice, accessibility statement, legal notes) and a person's account."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import account, identity, legal, passwords, second_factor, signup, views

urlpatterns = [
    path("", views.home, name="home"),
    path("opendata/", views.opendata_page, name="opendata"),
    path("crediti/", views.credits, name="credits"),
    path("privacy/", legal.privacy, name="privacy"),
    path("accessibilita/", legal.accessibility, name="accessibility"),
    path("note-legali/", legal.legal_notes, name="legal_notes"),
    path("accedi/", views.SignInView.as_view(), name="login"),
    path("accedi/identita/<slug:key>/", identity.start, name="identity_start"),
    path("account/identita/<slug:key>/collega/", identity.start_link, name="identity_link"),
    path("account/identita/scollega/", identity.unlink, name="identity_unlink"),
    path("esci/", auth_views.LogoutView.as_view(), name="logout"),
    path("registrati/", signup.signup, name="signup"),
    path("registrati/inviata/", signup.signup_sent, name="signup_sent"),
    path("registrati/<uidb64>/<token>/", signup.signup_confirm, name="signup_confirm"),
    path("gestione/", views.dashboard, name="dashboard"),
    path("account/", account.account, name="account"),
    path("account/dati.json", account.export_json, name="account_json"),
    path("account/dati.csv", account.export_csv, name="account_csv"),
    path("account/elimina/", account.delete, name="account_delete"),
    path("account/token/", account.make_token, name="token_create"),
    path("account/token/<int:pk>/revoca/", account.revoke_token, name="token_revoke"),
    path("account/password/", passwords.ChangeView.as_view(), name="password_change"),
    path("accedi/codice/", second_factor.verify, name="second_factor"),
    path("accedi/codice/attiva/", second_factor.setup, name="second_factor_setup"),
    path("password/", passwords.ResetView.as_view(), name="password_reset"),
    path("password/inviata/", passwords.ResetSentView.as_view(), name="password_reset_sent"),
    path("password/<uidb64>/<token>/", passwords.ResetConfirmView.as_view(), name="password_reset_confirm"),
]
