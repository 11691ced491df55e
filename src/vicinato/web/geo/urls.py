"""The addresses of the pages about where places are: near you, and the city's coverage."""

from django.urls import path

from . import views

urlpatterns = [
    path("vicino-a-te/", views.nearby, name="nearby"),
    path("copertura/", views.coverage, name="coverage"),
]
