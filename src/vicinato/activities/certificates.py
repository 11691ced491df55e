"""Certificates of attendance of courses, as PDF (fpdf2: pure Python, maintained, no system libraries; its
core fonts cover the Latin-1 letters of Italian names and titles)."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from .models import Registration
from .services.registrations import CertificateStatus


def _latin1(text: str) -> str:
    """Core PDF fonts speak Latin-1: other characters become '?' rather than failing the certificate."""
    return text.encode("latin-1", "replace").decode("latin-1")


def certificate_pdf(registration: Registration, status: CertificateStatus, language: str = "it") -> bytes:
    """A one-page A4 certificate in `language` (the caller checked `status.eligible`)."""
    event = registration.event
    person = registration.person
    name = person.get_full_name() or person.get_username()
    with translation.override(language), timezone.override("Europe/Rome"):
        first = date_format(timezone.localtime(event.starts_at), "DATE_FORMAT")
        last = date_format(timezone.localtime(event.ends_at), "DATE_FORMAT")
        lines = {
            "title": _("Certificate of attendance"),
            "intro": _("This certifies that"),
            "attended": _("attended %(attended)d of %(sessions)d sessions of the course")
            % {"attended": status.attended, "sessions": status.sessions},
            "dates": _("from %(first)s to %(last)s") % {"first": first, "last": last},
            "where": (
                _("at %(place)s, %(address)s") % {"place": event.place.name, "address": event.place.address}
                if event.place_id
                else _("online")
            ),
            "organiser": _("Organised by %(organiser)s") % {"organiser": event.organiser.legal_name},
            "issued": _("Issued on %(date)s through Vicinato, reference %(ref)s")
            % {
                "date": date_format(timezone.localdate(), "DATE_FORMAT"),
                "ref": f"{event.public_id}/{registration.pk}",
            },
            "title_text": event.title,
        }
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(_latin1(lines["title"]))
    pdf.set_author("Vicinato")
    pdf.add_page()
    pdf.set_draw_color(0, 102, 204)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(35)
    for text, size, style in (
        (lines["title"], 30, "B"),
        ("", 8, ""),
        (lines["intro"], 14, ""),
        (name, 24, "B"),
        (lines["attended"], 14, ""),
        (lines["title_text"], 20, "B"),
        (lines["dates"], 14, ""),
        (lines["where"], 12, ""),
        ("", 8, ""),
        (lines["organiser"], 12, ""),
    ):
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, size * 0.55, _latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.set_y(-30)
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 6, _latin1(lines["issued"]), align="C")
    return bytes(pdf.output())
