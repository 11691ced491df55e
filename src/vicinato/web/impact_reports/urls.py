"""The addresses of the impact reports' pages (namespace `web:impact_reports`)."""

from django.urls import path

from . import views

app_name = "impact_reports"

urlpatterns = [
    path("gestione/impatto/", views.city_home, name="city_home"),
    path("gestione/impatto/<slug:slug>/", views.city, name="city"),
    path("gestione/organizzazioni/<int:pk>/impatto/", views.employer, name="employer"),
    path("gestione/organizzazioni/<int:pk>/impatto.csv", views.employer_csv, name="employer_csv"),
    path("gestione/organizzazioni/<int:pk>/impatto/stampa/", views.employer_print, name="employer_print"),
]
