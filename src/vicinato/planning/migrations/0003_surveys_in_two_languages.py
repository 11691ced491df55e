"""Surveys in Italian and English: titles, descriptions and questions gain an English field (what was written so
far is the Italian one), options become {"key", "it", "en"}, and answers given so far as an option's label are
stored as its key, so that answers in either language count together."""

from django.db import migrations, models

from vicinato.planning.models import option_keys


def labels_to_keys(apps, schema_editor):
    Question = apps.get_model("planning", "Question")
    Response = apps.get_model("planning", "Response")
    keys_of: dict[str, dict[str, str]] = {}
    for question in Question.objects.filter(kind__in=("choice", "multiple")):
        labels = [str(o) for o in question.options if not isinstance(o, dict)]
        if not labels:
            continue
        keys = option_keys(labels)
        question.options = [{"key": k, "it": label, "en": ""} for k, label in zip(keys, labels, strict=True)]
        question.save(update_fields=["options"])
        keys_of[str(question.pk)] = dict(zip(labels, keys, strict=True))
    if not keys_of:
        return
    survey_ids = Question.objects.filter(pk__in=[int(pk) for pk in keys_of]).values("survey_id")
    for response in Response.objects.filter(survey_id__in=survey_ids):
        answers = dict(response.answers)
        for pk, keys in keys_of.items():
            if pk not in answers:
                continue
            value = answers[pk]
            if isinstance(value, list):
                answers[pk] = [keys.get(str(v), v) for v in value]
            else:
                answers[pk] = keys.get(str(value), value)
        response.answers = answers
        response.save(update_fields=["answers"])


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_note_language")]

    operations = [
        migrations.RenameField("survey", "title", "title_it"),
        migrations.RenameField("survey", "description", "description_it"),
        migrations.RenameField("question", "text", "text_it"),
        migrations.AlterField(
            "survey", "title_it", models.CharField(max_length=200, verbose_name="title (Italian)")
        ),
        migrations.AlterField(
            "survey", "description_it", models.TextField(blank=True, verbose_name="description (Italian)")
        ),
        migrations.AlterField(
            "question", "text_it", models.CharField(max_length=300, verbose_name="question (Italian)")
        ),
        migrations.AddField(
            "survey",
            "title_en",
            models.CharField(blank=True, max_length=200, verbose_name="title (English)"),
        ),
        migrations.AddField(
            "survey", "description_en", models.TextField(blank=True, verbose_name="description (English)")
        ),
        migrations.AddField(
            "question",
            "text_en",
            models.CharField(blank=True, max_length=300, verbose_name="question (English)"),
        ),
        migrations.RunPython(labels_to_keys, migrations.RunPython.noop),
    ]
