"""The addresses of the booking pages: the person's (a place's calendar, their bookings, series and waiting
lists) and the place's operators' (under gestione/luoghi/<id>/)."""

from django.urls import path

from . import operator, passes, people

OPERATOR = "gestione/luoghi/<slug:public_id>/"

urlpatterns = [
    path("luoghi/<slug:public_id>/prenota/", people.place_calendar, name="place_calendar"),
    path("prenotazioni/", people.my_bookings, name="my_bookings"),
    path("prenotazioni/<int:pk>/", people.booking_detail, name="booking"),
    path("prenotazioni/<int:pk>/calendario.ics", people.booking_ics, name="booking_ics"),
    path("prenotazioni/<int:pk>/annulla/", people.booking_cancel, name="booking_cancel"),
    # The name is older than the word "reschedule"; names are a contract (templates, e-mails), so it stays.
    path("prenotazioni/<int:pk>/modifica/", people.booking_reschedule, name="booking_move"),
    path("prenotazioni/serie/<int:pk>/", people.series_detail, name="series"),
    path("prenotazioni/serie/<int:pk>/annulla/", people.series_cancel, name="series_cancel"),
    path("prenotazioni/attesa/risorsa/<int:resource_id>/", people.waiting_join, name="waiting_join"),
    path("prenotazioni/attesa/<int:pk>/accetta/", people.waiting_accept, name="waiting_accept"),
    path("prenotazioni/attesa/<int:pk>/lascia/", people.waiting_leave, name="waiting_leave"),
    path("prenotazioni/abbonamenti/risorsa/<int:resource_id>/", passes.pass_buy, name="pass_buy"),
    path("prenotazioni/abbonamenti/<int:pk>/annulla/", passes.pass_cancel, name="pass_cancel"),
    path("prenotazioni/calendario/nuovo-indirizzo/", people.feed_renew, name="feed_renew"),
    path(f"{OPERATOR}risorse/", operator.resources, name="operator_resources"),
    path(f"{OPERATOR}risorse/nuova/", operator.resource_edit, name="operator_resource_create"),
    path(f"{OPERATOR}risorse/<int:pk>/", operator.resource_edit, name="operator_resource"),
    path(f"{OPERATOR}risorse/<int:pk>/unita/", operator.resource_units, name="operator_units"),
    path(f"{OPERATOR}piano/", operator.day_plan, name="operator_day"),
    path(f"{OPERATOR}blocchi/", operator.blocks, name="operator_blocks"),
    path(f"{OPERATOR}blocchi/<int:pk>/", operator.block_detail, name="operator_block"),
    path(f"{OPERATOR}blocchi/<int:pk>/rimuovi/", operator.block_lift, name="operator_block_lift"),
    path(f"{OPERATOR}check-in/", operator.check_in, name="operator_checkin"),
]
