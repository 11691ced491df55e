"""The pages' addresses and names are a published contract (links in e-mails, bookmarks, templates): the one
URLconf of the pages holds exactly these, and the project's URLconf adds only the API, open data files,
translations and the admin."""

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

PAGES = {
    # the site (web/site/)
    ("", "web:home"),
    ("opendata/", "web:opendata"),
    ("crediti/", "web:credits"),
    ("accedi/", "web:login"),
    ("esci/", "web:logout"),
    ("registrati/", "web:signup"),
    ("registrati/inviata/", "web:signup_sent"),
    ("registrati/<uidb64>/<token>/", "web:signup_confirm"),
    ("gestione/", "web:dashboard"),
    ("privacy/", "web:privacy"),
    ("accessibilita/", "web:accessibility"),
    ("note-legali/", "web:legal_notes"),
    # one's account: data, export, deletion, password, API tokens, second factor (issue 18)
    ("account/", "web:account"),
    ("account/dati.csv", "web:account_csv"),
    ("account/dati.json", "web:account_json"),
    ("account/elimina/", "web:account_delete"),
    ("account/password/", "web:password_change"),
    ("account/token/", "web:token_create"),
    ("account/token/<int:pk>/revoca/", "web:token_revoke"),
    ("password/", "web:password_reset"),
    ("password/inviata/", "web:password_reset_sent"),
    ("password/<uidb64>/<token>/", "web:password_reset_confirm"),
    ("accedi/codice/", "web:second_factor"),
    ("accedi/codice/attiva/", "web:second_factor_setup"),
    # signing in with SPID or CIE, and linking them to one's account (issue 18)
    ("accedi/identita/<slug:key>/", "web:identity_start"),
    ("account/identita/<slug:key>/collega/", "web:identity_link"),
    ("account/identita/scollega/", "web:identity_unlink"),
    ("gestione/inviti/<str:token>/", "web:staff_invitation"),
    # the register (web/register/)
    ("registro/", "web:register"),
    ("luoghi/<slug:public_id>/", "web:place"),
    ("gestione/organizzazioni/nuova/", "web:organisation_create"),
    ("gestione/organizzazioni/<int:pk>/", "web:organisation"),
    ("gestione/organizzazioni/<int:organisation_id>/luoghi/nuovo/", "web:place_create"),
    ("gestione/luoghi/<slug:public_id>/modifica/", "web:place_edit"),
    ("gestione/luoghi/<slug:public_id>/orari/", "web:place_hours"),
    ("gestione/luoghi/<slug:public_id>/candidatura/", "web:apply"),
    ("gestione/candidature/<int:pk>/", "web:application"),
    ("gestione/candidature/<int:pk>/azione/", "web:application_action"),
    ("revisione/", "web:review_queue"),
    ("revisione/candidature/<int:pk>/", "web:review"),
    ("gestione/candidature/<int:pk>/documenti/", "web:application_document_add"),
    ("gestione/candidature/<int:pk>/documenti/<int:document_pk>/", "web:application_document"),
    # where places are (web/geo/)
    ("vicino-a-te/", "web:nearby"),
    ("copertura/", "web:coverage"),
    # booking (web/booking/)
    ("luoghi/<slug:public_id>/prenota/", "web:place_calendar"),
    ("prenotazioni/", "web:my_bookings"),
    ("prenotazioni/<int:pk>/", "web:booking"),
    ("prenotazioni/<int:pk>/calendario.ics", "web:booking_ics"),
    ("prenotazioni/<int:pk>/annulla/", "web:booking_cancel"),
    ("prenotazioni/<int:pk>/modifica/", "web:booking_move"),
    ("prenotazioni/serie/<int:pk>/", "web:series"),
    ("prenotazioni/serie/<int:pk>/annulla/", "web:series_cancel"),
    ("prenotazioni/attesa/risorsa/<int:resource_id>/", "web:waiting_join"),
    ("prenotazioni/abbonamenti/risorsa/<int:resource_id>/", "web:pass_buy"),
    ("prenotazioni/abbonamenti/<int:pk>/annulla/", "web:pass_cancel"),
    ("prenotazioni/attesa/<int:pk>/accetta/", "web:waiting_accept"),
    ("prenotazioni/attesa/<int:pk>/lascia/", "web:waiting_leave"),
    ("prenotazioni/calendario/nuovo-indirizzo/", "web:feed_renew"),
    ("gestione/luoghi/<slug:public_id>/risorse/", "web:operator_resources"),
    ("gestione/luoghi/<slug:public_id>/risorse/nuova/", "web:operator_resource_create"),
    ("gestione/luoghi/<slug:public_id>/risorse/<int:pk>/", "web:operator_resource"),
    ("gestione/luoghi/<slug:public_id>/risorse/<int:pk>/unita/", "web:operator_units"),
    ("gestione/luoghi/<slug:public_id>/piano/", "web:operator_day"),
    ("gestione/luoghi/<slug:public_id>/blocchi/", "web:operator_blocks"),
    ("gestione/luoghi/<slug:public_id>/blocchi/<int:pk>/", "web:operator_block"),
    ("gestione/luoghi/<slug:public_id>/blocchi/<int:pk>/rimuovi/", "web:operator_block_lift"),
    ("gestione/luoghi/<slug:public_id>/check-in/", "web:operator_checkin"),
    # memberships, agreements, vouchers, communities (web/agreements/)
    ("le-mie-convenzioni/", "agreements:mine"),
    ("conferma-dominio/<str:token>/", "agreements:confirm_domain"),
    ("appartenenze/<int:pk>/fine/", "agreements:leave"),
    ("invito/<str:token>/", "agreements:invitation"),
    ("conferma-email/<str:token>/", "agreements:confirm_email"),
    ("gestione/organizzazioni/<int:pk>/membri/", "agreements:members"),
    ("gestione/organizzazioni/<int:pk>/convenzioni/", "agreements:organisation_agreements"),
    ("gestione/organizzazioni/<int:pk>/convenzioni/nuova/", "agreements:agreement_create"),
    ("gestione/organizzazioni/<int:pk>/voucher/", "agreements:operator_vouchers"),
    ("gestione/organizzazioni/<int:pk>/voucher.csv", "agreements:operator_vouchers_csv"),
    ("gestione/organizzazioni/<int:pk>/programmi/", "agreements:organisation_programmes"),
    ("gestione/organizzazioni/<int:pk>/programmi/nuovo/", "agreements:programme_create"),
    ("gestione/organizzazioni/<int:pk>/comunita/", "agreements:organisation_communities"),
    ("gestione/organizzazioni/<int:pk>/comunita/nuova/", "agreements:community_create"),
    ("gestione/organizzazioni/<int:pk>/inviti/", "agreements:guest_invitations"),
    ("comunita/<int:pk>/modifica/", "agreements:community_edit"),
    ("convenzioni/<int:pk>/", "agreements:agreement"),
    ("convenzioni/<int:pk>/modifica/", "agreements:agreement_edit"),
    ("convenzioni/<int:pk>/utilizzo.csv", "agreements:usage_csv"),
    ("convenzioni/<int:pk>/prenotazioni.csv", "agreements:bookings_csv"),
    ("voucher/", "agreements:vouchers"),
    ("voucher/<int:pk>/domanda/", "agreements:voucher_apply"),
    ("voucher/<int:pk>/sportello/", "agreements:programme_desk"),
    ("voucher/<int:pk>/modifica/", "agreements:programme_edit"),
    ("voucher/inviti-revisori/<str:token>/", "agreements:reviewer_invitation"),
    ("voucher/<int:pk>/resoconto.csv", "agreements:programme_report_csv"),
    ("voucher/domande/<int:pk>/", "agreements:voucher_application"),
    ("voucher/documenti/<int:pk>/", "agreements:voucher_document"),
    ("voucher/estratto-conto/", "agreements:statement"),
    ("voucher/estratto-conto.csv", "agreements:statement_csv"),
    # moved addresses, answering 301 (web/agreements/urls.py)
    ("organizzazioni/<int:pk>/membri/", ""),
    ("organizzazioni/<int:pk>/convenzioni/", ""),
    ("organizzazioni/<int:pk>/convenzioni/nuova/", ""),
    ("organizzazioni/<int:pk>/voucher/", ""),
    ("organizzazioni/<int:pk>/voucher.csv", ""),
    ("organizzazioni/<int:pk>/programmi/", ""),
    ("organizzazioni/<int:pk>/programmi/nuovo/", ""),
    ("organizzazioni/<int:pk>/comunita/", ""),
    ("organizzazioni/<int:pk>/comunita/nuova/", ""),
}


def patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    """Every (route, namespaced name) under the resolver; a redirect without a name has the name ""."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else ""


# Pages added after the house plan, each app's own (their tests lock them): not part of the table above.
# impact's pages: web:impact_profile, web:impact_withdraw, web:impact_trip_mode and web:impact_reports:...
NEWER = ("web:activities:", "web:impact_", "web:planning:")


def test_the_pages_keep_their_addresses_and_names():
    found = list(patterns(get_resolver("vicinato.web.urls")))
    assert len(found) == len(set(found))
    assert {page for page in found if not page[1].startswith(NEWER)} == PAGES


def test_the_project_adds_no_other_pages():
    with translation.override("it"):  # the pages' language prefix: none
        found = {
            (route, name)
            for route, name in patterns(get_resolver())
            if not route.startswith(("api/v1/", "admin/"))
            and (route, name) not in PAGES
            and not name.startswith(NEWER)
        }
    assert found == {
        ("i18n/setlang/", "set_language"),
        ("opendata/places.csv", "opendata-csv"),
        ("opendata/places.geojson", "opendata-geojson"),
        ("opendata/places.json", "opendata-json"),
        ("opendata/catalog.json", "opendata-catalog"),
        ("opendata/impact.csv", "opendata-impact-csv"),
        ("jsi18n/", "javascript-catalog"),
        ("media/<slug:folder>/<path:name>", "media"),  # the places' photos, from the storage (web/media.py)
        # SPID/CIE providers send people back to one address whatever the language; the site's public key
        ("oidc/callback/", "identity_callback"),
        ("oidc/jwks.json", "identity_jwks"),
        (".well-known/openid-federation", "identity_entity_configuration"),
    }
