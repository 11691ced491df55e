"""The pages of memberships, agreements and vouchers (under the site's language prefix)."""

from django.urls import path

from . import views

app_name = "agreements"

urlpatterns = [
    path("le-mie-convenzioni/", views.mine, name="mine"),
    path("appartenenze/<int:pk>/fine/", views.leave, name="leave"),
    path("invito/<str:token>/", views.invitation, name="invitation"),
    path("conferma-email/<str:token>/", views.confirm_email, name="confirm_email"),
    path("organizzazioni/<int:pk>/membri/", views.members, name="members"),
    path(
        "organizzazioni/<int:pk>/convenzioni/", views.organisation_agreements, name="organisation_agreements"
    ),
    path("organizzazioni/<int:pk>/convenzioni/nuova/", views.agreement_create, name="agreement_create"),
    path("organizzazioni/<int:pk>/voucher/", views.operator_vouchers, name="operator_vouchers"),
    path("organizzazioni/<int:pk>/programmi/", views.organisation_programmes, name="organisation_programmes"),
    path("organizzazioni/<int:pk>/programmi/nuovo/", views.programme_create, name="programme_create"),
    path(
        "organizzazioni/<int:pk>/comunita/", views.organisation_communities, name="organisation_communities"
    ),
    path("organizzazioni/<int:pk>/comunita/nuova/", views.community_create, name="community_create"),
    path("comunita/<int:pk>/modifica/", views.community_edit, name="community_edit"),
    path("organizzazioni/<int:pk>/voucher.csv", views.operator_vouchers_csv, name="operator_vouchers_csv"),
    path("convenzioni/<int:pk>/", views.agreement, name="agreement"),
    path("convenzioni/<int:pk>/modifica/", views.agreement_edit, name="agreement_edit"),
    path("convenzioni/<int:pk>/utilizzo.csv", views.usage_csv, name="usage_csv"),
    path("convenzioni/<int:pk>/prenotazioni.csv", views.bookings_csv, name="bookings_csv"),
    path("voucher/", views.vouchers_home, name="vouchers"),
    path("voucher/<int:pk>/domanda/", views.voucher_apply, name="voucher_apply"),
    path("voucher/<int:pk>/sportello/", views.programme_desk, name="programme_desk"),
    path("voucher/<int:pk>/modifica/", views.programme_edit, name="programme_edit"),
    path("voucher/<int:pk>/resoconto.csv", views.programme_report_csv, name="programme_report_csv"),
    path("voucher/domande/<int:pk>/", views.voucher_application, name="voucher_application"),
    path("voucher/documenti/<int:pk>/", views.voucher_document, name="voucher_document"),
    path("voucher/estratto-conto/", views.statement, name="statement"),
    path("voucher/estratto-conto.csv", views.statement_csv, name="statement_csv"),
]
