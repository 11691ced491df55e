"""The addresses of impact's pages: one's commute profile and the mode to a booked place."""

from django.urls import path

from . import views

urlpatterns = [
    path("impatto/profilo/", views.profile, name="impact_profile"),
    path("impatto/profilo/ritira/", views.withdraw, name="impact_withdraw"),
    path("impatto/prenotazioni/<int:pk>/mezzo/", views.trip_mode, name="impact_trip_mode"),
]
