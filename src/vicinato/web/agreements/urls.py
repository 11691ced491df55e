"""The addresses of the pages of memberships, agreements, vouchers and communities (namespace `agreements`).

An organisation's pages are under gestione/organizzazioni/<id>/, with the register's pages of the same
organisation. Until the house plan they were under organizzazioni/<id>/: e-mails already sent link there, so
those addresses answer a permanent redirect to the new ones (`moved`), the query string kept."""

from django.urls import path
from django.views.generic import RedirectView

from . import agreements, communities, members, vouchers

ORGANISATION = "gestione/organizzazioni/<int:pk>/"
OLD_ORGANISATION = "organizzazioni/<int:pk>/"

# (address under the organisation's prefix, view, name)
ORGANISATION_PAGES = [
    ("membri/", members.members, "members"),
    ("convenzioni/", agreements.organisation_agreements, "organisation_agreements"),
    ("convenzioni/nuova/", agreements.agreement_create, "agreement_create"),
    ("voucher/", vouchers.operator_vouchers, "operator_vouchers"),
    ("voucher.csv", vouchers.operator_vouchers_csv, "operator_vouchers_csv"),
    ("programmi/", vouchers.organisation_programmes, "organisation_programmes"),
    ("programmi/nuovo/", vouchers.programme_create, "programme_create"),
    ("comunita/", communities.organisation_communities, "organisation_communities"),
    ("comunita/nuova/", communities.community_create, "community_create"),
]

urlpatterns = [
    path("le-mie-convenzioni/", members.mine, name="mine"),
    path("appartenenze/<int:pk>/fine/", members.leave, name="leave"),
    path("invito/<str:token>/", members.invitation, name="invitation"),
    path("conferma-email/<str:token>/", members.confirm_email, name="confirm_email"),
    path("conferma-dominio/<str:token>/", members.confirm_domain, name="confirm_domain"),
    *[path(f"{ORGANISATION}{route}", view, name=name) for route, view, name in ORGANISATION_PAGES],
    # Newer than the move: no old address to redirect from.
    path(f"{ORGANISATION}inviti/", communities.guest_invitations, name="guest_invitations"),
    path("comunita/<int:pk>/modifica/", communities.community_edit, name="community_edit"),
    path("convenzioni/<int:pk>/", agreements.agreement, name="agreement"),
    path("convenzioni/<int:pk>/modifica/", agreements.agreement_edit, name="agreement_edit"),
    path("convenzioni/<int:pk>/utilizzo.csv", agreements.usage_csv, name="usage_csv"),
    path("convenzioni/<int:pk>/prenotazioni.csv", agreements.bookings_csv, name="bookings_csv"),
    path("voucher/", vouchers.vouchers_home, name="vouchers"),
    path("voucher/<int:pk>/domanda/", vouchers.voucher_apply, name="voucher_apply"),
    path("voucher/<int:pk>/sportello/", vouchers.programme_desk, name="programme_desk"),
    path("voucher/<int:pk>/modifica/", vouchers.programme_edit, name="programme_edit"),
    path("voucher/inviti-revisori/<str:token>/", vouchers.reviewer_invitation, name="reviewer_invitation"),
    path("voucher/<int:pk>/resoconto.csv", vouchers.programme_report_csv, name="programme_report_csv"),
    path("voucher/domande/<int:pk>/", vouchers.voucher_application, name="voucher_application"),
    path("voucher/documenti/<int:pk>/", vouchers.voucher_document, name="voucher_document"),
    path("voucher/estratto-conto/", vouchers.statement, name="statement"),
    path("voucher/estratto-conto.csv", vouchers.statement_csv, name="statement_csv"),
]

# Outside the namespace, nameless: nothing links to the old addresses any more.
moved = [
    path(
        f"{OLD_ORGANISATION}{route}",
        RedirectView.as_view(pattern_name=f"agreements:{name}", permanent=True, query_string=True),
    )
    for route, _view, name in ORGANISATION_PAGES
]
