"""The console mail backend writes no links, codes or names to a server's log (issue 18, finding 8)."""

from __future__ import annotations

import io

from django.core.mail import EmailMessage

from vicinato.lib.mail import LogBackend

BODY = "Ciao Cora, conferma: https://vicinato.example/conferma/abc123/ Codice di check-in: 42-K7QF2M9A"


def written(settings, debug: bool) -> str:
    settings.DEBUG = debug
    out = io.StringIO()
    LogBackend(stream=out).send_messages(
        [EmailMessage("Conferma", BODY, "noreply@x.example", ["cora@x.example"])]
    )
    return out.getvalue()


def test_without_debug_only_recipients_and_subject_are_logged(settings):
    log = written(settings, debug=False)
    assert "cora@x.example" in log and "Conferma" in log
    for secret in ("https://", "abc123", "42-K7QF2M9A", "Cora,"):
        assert secret not in log


def test_in_development_the_whole_mail_is_written(settings):
    assert "42-K7QF2M9A" in written(settings, debug=True)
