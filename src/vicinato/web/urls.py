"""The site's pages (under a language prefix: none for Italian, /en/ for English)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import bookings, operator, search, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("registro/", views.register_list, name="register"),
    path("vicino-a-te/", search.nearby, name="nearby"),
    path("copertura/", search.coverage, name="coverage"),
    path("luoghi/<slug:public_id>/", views.place_detail, name="place"),
    path("opendata/", views.opendata_page, name="opendata"),
    path("crediti/", views.credits, name="credits"),
    path("accedi/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("esci/", auth_views.LogoutView.as_view(), name="logout"),
    path("registrati/", views.signup, name="signup"),
    path("gestione/", views.dashboard, name="dashboard"),
    path("gestione/organizzazioni/nuova/", views.organisation_create, name="organisation_create"),
    path("gestione/organizzazioni/<int:pk>/", views.organisation_detail, name="organisation"),
    path(
        "gestione/organizzazioni/<int:organisation_id>/luoghi/nuovo/", views.place_edit, name="place_create"
    ),
    path("gestione/luoghi/<slug:public_id>/modifica/", views.place_edit, name="place_edit"),
    path("gestione/luoghi/<slug:public_id>/orari/", views.place_hours, name="place_hours"),
    path("gestione/luoghi/<slug:public_id>/candidatura/", views.apply, name="apply"),
    path("gestione/candidature/<int:pk>/", views.application_detail, name="application"),
    path("gestione/candidature/<int:pk>/azione/", views.application_action, name="application_action"),
    path("revisione/", views.review_queue, name="review_queue"),
    path("revisione/candidature/<int:pk>/", views.review, name="review"),
]
urlpatterns += bookings.urlpatterns
urlpatterns += operator.urlpatterns
