"""The addresses of the register's pages: the list and each place, an organisation's places and members, the
applications to a register and their review."""

from django.urls import path

from . import staff, views

urlpatterns = [
    path("registro/", views.register_list, name="register"),
    path("luoghi/<slug:public_id>/", views.place_detail, name="place"),
    path("gestione/organizzazioni/nuova/", views.organisation_create, name="organisation_create"),
    path("gestione/organizzazioni/<int:pk>/", views.organisation_detail, name="organisation"),
    path("gestione/inviti/<str:token>/", staff.staff_invitation, name="staff_invitation"),
    path(
        "gestione/organizzazioni/<int:organisation_id>/luoghi/nuovo/", views.place_edit, name="place_create"
    ),
    path("gestione/luoghi/<slug:public_id>/modifica/", views.place_edit, name="place_edit"),
    path("gestione/luoghi/<slug:public_id>/orari/", views.place_hours, name="place_hours"),
    path("gestione/luoghi/<slug:public_id>/candidatura/", views.apply, name="apply"),
    path("gestione/candidature/<int:pk>/", views.application_detail, name="application"),
    path("gestione/candidature/<int:pk>/azione/", views.application_action, name="application_action"),
    path(
        "gestione/candidature/<int:pk>/documenti/",
        views.application_document_add,
        name="application_document_add",
    ),
    path(
        "gestione/candidature/<int:pk>/documenti/<int:document_pk>/",
        views.application_document,
        name="application_document",
    ),
    path("revisione/", views.review_queue, name="review_queue"),
    path("revisione/candidature/<int:pk>/", views.review, name="review"),
]
