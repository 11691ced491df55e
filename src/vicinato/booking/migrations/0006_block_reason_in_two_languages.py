"""A block's reason in Italian and English: the one reason written so far is kept as the Italian one (the
operators wrote it for Milan's people); the reader then sees it in their language, or the other one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("booking", "0005_monthly_passes")]

    operations = [
        migrations.RenameField(model_name="block", old_name="reason", new_name="reason_it"),
        migrations.AlterField(
            model_name="block",
            name="reason_it",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason (Italian)"),
        ),
        migrations.AddField(
            model_name="block",
            name="reason_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason (English)"),
        ),
    ]
