"""The addresses of the site's own pages: home, signing in and up, the dashboard, open data, credits and the
legal pages (privacy notice, accessibility statement, legal notes)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import legal, views

urlpatterns = [
    path("", views.home, name="home"),
    path("opendata/", views.opendata_page, name="opendata"),
    path("crediti/", views.credits, name="credits"),
    path("privacy/", legal.privacy, name="privacy"),
    path("accessibilita/", legal.accessibility, name="accessibility"),
    path("note-legali/", legal.legal_notes, name="legal_notes"),
    path("accedi/", views.SignInView.as_view(), name="login"),
    path("esci/", auth_views.LogoutView.as_view(), name="logout"),
    path("registrati/", views.signup, name="signup"),
    path("gestione/", views.dashboard, name="dashboard"),
]
