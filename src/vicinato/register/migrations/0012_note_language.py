"""The language a review note was written in, so that pages mark it (`lang`) rather than translate it. Notes
written so far are taken as Italian, the site's language of record (the demo's and Milan's reviewers')."""

from django.db import migrations, models


def mark_italian(apps, schema_editor):
    apps.get_model("register", "ApplicationEvent").objects.exclude(note="").update(note_language="it")


class Migration(migrations.Migration):
    dependencies = [("register", "0011_digital_identity")]

    operations = [
        migrations.AddField(
            model_name="applicationevent",
            name="note_language",
            field=models.CharField(
                blank=True,
                choices=[("it", "Italian"), ("en", "English")],
                max_length=8,
                verbose_name="language of the note",
            ),
        ),
        migrations.RunPython(mark_italian, migrations.RunPython.noop),
    ]
