"""The amenity taxonomy every installation starts with (codes are stable; labels in Italian and English)."""

AMENITIES = [
    # (code, group, Italian, English)
    ("broadband", "work", "Rete a banda ultralarga", "Ultra-broadband network"),
    ("printer", "work", "Stampante", "Printer"),
    ("meeting_room", "work", "Sala riunioni", "Meeting room"),
    ("phone_booth", "work", "Cabina telefonica", "Phone booth"),
    ("reception", "work", "Reception / portineria", "Reception / porter"),
    ("secretarial", "work", "Servizio di segreteria condiviso", "Shared secretarial service"),
    ("cleaning", "work", "Pulizie", "Cleaning"),
    ("kitchen", "common", "Cucina / area ristoro", "Kitchen / refreshment area"),
    ("common_areas", "common", "Aree comuni", "Common areas"),
    ("canteen", "common", "Mensa o pasti", "Canteen or meals"),
    ("childcare", "care", "Spazio bimbi (CoBaby)", "Childcare (CoBaby)"),
    ("showers", "care", "Docce", "Showers"),
    ("changing_room", "care", "Spogliatoio", "Changing room"),
    ("lockers", "care", "Armadietti", "Lockers"),
    ("bike_parking", "mobility", "Parcheggio bici", "Bike parking"),
    (
        "bike_repair",
        "mobility",
        "Officina riparazione bici e monopattini",
        "Bike and scooter repair workshop",
    ),
    ("ebike_charging", "mobility", "Ricarica e-bike", "E-bike charging"),
    ("union_desk", "advice", "Sportello sindacale", "Union desk"),
    ("pension_advice", "advice", "Consulenza previdenziale", "Pension advice"),
    ("tax_advice", "advice", "Assistenza fiscale", "Tax advice"),
    ("legal_advice", "advice", "Consulenza legale", "Legal advice"),
    ("training_room", "advice", "Aula formazione", "Training room"),
]


def seed_amenities(amenity_model) -> None:
    for order, (code, group, label_it, label_en) in enumerate(AMENITIES):
        amenity_model.objects.update_or_create(
            code=code, defaults={"group": group, "label_it": label_it, "label_en": label_en, "order": order}
        )
