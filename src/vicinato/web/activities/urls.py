"""The activities' pages (under the language prefix, in the `web:activities` namespace), and the events' open
data (also at /opendata/ without a prefix: the language changes nothing in it)."""

from django.urls import path

from . import manage, person, public

app_name = "activities"

urlpatterns = [
    path("agenda/", public.agenda_page, name="agenda"),
    path("agenda/<slug:public_id>/", public.event_page, name="event"),
    path("agenda/<slug:public_id>/calendario.ics", public.event_ics, name="event_ics"),
    path("agenda/luogo/<slug:public_id>/calendario.ics", public.place_feed, name="place_feed"),
    path("agenda/organizzatore/<int:pk>/calendario.ics", public.organiser_feed, name="organiser_feed"),
    path("opendata/events.csv", public.opendata_events_csv, name="opendata_csv"),
    path("opendata/events.json", public.opendata_events_json, name="opendata_json"),
    path("opendata/events.ics", public.opendata_events_ics, name="opendata_ics"),
    path("consulenze/", public.services_page, name="services"),
    path("consulenze/<int:pk>/", public.service_page, name="service"),
    path("attivita/", person.mine, name="mine"),
    path("appuntamenti/<int:pk>/", person.appointment_page, name="appointment"),
    path("appuntamenti/<int:pk>/calendario.ics", person.appointment_ics, name="appointment_ics"),
    path(
        "appuntamenti/<int:pk>/annulla/",
        person.appointment_action,
        {"action": "cancel"},
        name="appointment_cancel",
    ),
    path(
        "appuntamenti/<int:pk>/accetta/",
        person.appointment_action,
        {"action": "accept"},
        name="appointment_accept",
    ),
    path(
        "appuntamenti/<int:pk>/sposta/",
        person.appointment_action,
        {"action": "reschedule"},
        name="appointment_move",
    ),
    path("consulenze/attesa/<int:pk>/lascia/", person.wait_leave, name="wait_leave"),
    path(
        "iscrizioni/<int:pk>/conferma/",
        person.registration_action,
        {"action": "confirm"},
        name="registration_confirm",
    ),
    path(
        "iscrizioni/<int:pk>/annulla/",
        person.registration_action,
        {"action": "cancel"},
        name="registration_cancel",
    ),
    path("iscrizioni/<int:pk>/attestato.pdf", person.certificate, name="certificate"),
    path("gestione/attivita/", manage.manage_home, name="manage"),
    path("gestione/consulente/", manage.advisor_day, name="advisor_day"),
    path("gestione/consulente/appuntamenti/<int:pk>/esito/", manage.advisor_mark, name="advisor_mark"),
    path("gestione/consulente/disponibilita/", manage.advisor_availability, name="availability"),
    path("gestione/organizzazioni/<int:pk>/attivita/", manage.organisation_page, name="organisation"),
    path("gestione/organizzazioni/<int:pk>/eventi/nuovo/", manage.event_create, name="event_create"),
    path("gestione/organizzazioni/<int:pk>/consulenze/nuova/", manage.service_edit, name="service_create"),
    path(
        "gestione/organizzazioni/<int:pk>/consulenze/<int:service_pk>/modifica/",
        manage.service_edit,
        name="service_edit",
    ),
    path("gestione/eventi/<slug:public_id>/", manage.event_manage, name="event_manage"),
    path(
        "gestione/eventi/<slug:public_id>/sessioni/<int:pk>/presenze/", manage.attendance, name="attendance"
    ),
    path("gestione/luoghi/<slug:public_id>/appuntamenti/", manage.place_day, name="place_day"),
]
