# The reason of a closure in Italian and English, each reader seeing theirs: the one reason kept is Italian.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0007_requirement_documents_uploaded_by_applicants"),
    ]

    operations = [
        migrations.RenameField(model_name="closure", old_name="reason", new_name="reason_it"),
        migrations.AlterField(
            model_name="closure",
            name="reason_it",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason (Italian)"),
        ),
        migrations.AddField(
            model_name="closure",
            name="reason_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="reason (English)"),
        ),
    ]
