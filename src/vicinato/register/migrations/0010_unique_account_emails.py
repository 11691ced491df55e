"""One account per e-mail address, whatever its case (issue 18, finding 4): sign-up answers the same whether or
not an address has an account (web/site/signup.py), and an invitation bound to an address binds one person.
Django's own user table gets a unique index on the lowered address (empty addresses aside)."""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower

INDEX = "register_user_email_unique_ci"


def refuse_duplicates(apps, schema_editor):
    User = apps.get_model("auth", "User")
    shared = (
        User.objects.exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(accounts=Count("pk"))
        .filter(accounts__gt=1)
    )
    if shared.exists():
        ids = sorted(
            User.objects.annotate(address=Lower("email"))
            .filter(address__in=[s["address"] for s in shared])
            .values_list("pk", flat=True)
        )
        raise RuntimeError(
            f"Some accounts share an e-mail address (ids {ids}): give each its own address, or merge them, in the "
            "site's administration, then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("register", "0009_register_documents_in_private_storage"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX {INDEX} ON auth_user (LOWER(email)) WHERE email <> ''",
            f"DROP INDEX {INDEX}",
        ),
    ]
