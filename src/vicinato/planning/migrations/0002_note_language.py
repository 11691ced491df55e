"""The language a review note was written in, so that pages mark it (`lang`) rather than translate it. Notes
written so far are taken as Italian, the site's language of record (the demo's and Milan's reviewers')."""

from django.db import migrations, models


def mark_italian(apps, schema_editor):
    apps.get_model("planning", "ProposalEvent").objects.exclude(note="").update(note_language="it")


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="proposalevent",
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
