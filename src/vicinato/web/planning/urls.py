"""The planning pages (under the language prefix, in the `web:planning` namespace)."""

from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("pianificazione/", views.home, name="home"),
    path("pianificazione/scenari/nuovo/", views.scenario_new, name="scenario_new"),
    path("pianificazione/scenari/confronta/", views.scenario_compare, name="scenario_compare"),
    path("pianificazione/scenari/<int:pk>/", views.scenario_page, name="scenario"),
    path("pianificazione/scenari/<int:pk>/scenario.csv", views.scenario_csv, name="scenario_csv"),
    path("pianificazione/scenari/<int:pk>/scenario.geojson", views.scenario_geojson, name="scenario_geojson"),
    path("pianificazione/scenari/<int:pk>/elimina/", views.scenario_delete, name="scenario_delete"),
    path("pianificazione/questionari/nuovo/", views.survey_new, name="survey_new"),
    path("pianificazione/questionari/<int:pk>/stato/", views.survey_state, name="survey_state"),
    path("pianificazione/bisogni/nuovo/", views.need_new, name="need_new"),
    path("pianificazione/proposte/nuova/", views.proposal_new, name="proposal_new"),
    path("pianificazione/proposte/<int:pk>/", views.proposal_page, name="proposal"),
    path("questionari/", views.survey_list, name="surveys"),
    path("questionari/<int:pk>/", views.survey_answer, name="survey"),
    path("questionari/<int:pk>/grazie/", views.survey_thanks, name="survey_thanks"),
    path("questionari/<int:pk>/risultati/", views.survey_results, name="survey_results"),
    path("questionari/<int:pk>/risultati.csv", views.survey_csv, name="survey_csv"),
]
