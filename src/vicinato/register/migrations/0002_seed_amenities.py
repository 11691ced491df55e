from django.db import migrations


def seed(apps, schema_editor):
    from vicinato.register.taxonomy import seed_amenities

    seed_amenities(apps.get_model("register", "Amenity"))


class Migration(migrations.Migration):
    dependencies = [("register", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
