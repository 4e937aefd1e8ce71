"""Guests by protocol category (eleven, in order of precedence) instead of four kinds,
with a rank within the category and their attendance.

The old kinds map onto the new categories: an "authority" becomes a local authority
(the presiding authority is set by hand where it was listed as a guest), press, partner
and other keep their name. Guests of ceremonies already held were printed in their
minutes as present, and are recorded so. Backwards, every authority category folds
into "authority" and the others without a kind of their own into "other".
"""

from django.db import migrations, models

KIND_TO_CATEGORY = {"authority": "local_authority", "press": "press", "partner": "partner", "other": "other"}
AUTHORITIES = {"presiding_authority", "local_authority", "magistrature", "elected_official",
               "external_service", "civil_military_figure"}


def kinds_to_categories(apps, schema_editor):
    for name in ("Guest", "HistoricalGuest"):
        model = apps.get_model("ceremonies", name)
        for kind, category in KIND_TO_CATEGORY.items():
            model.objects.filter(kind=kind).update(category=category)
    Guest = apps.get_model("ceremonies", "Guest")
    Guest.objects.filter(ceremony__status="held").update(attendance="present")
    _fire_deferred_checks(schema_editor)


def _fire_deferred_checks(schema_editor):
    # The updated rows leave PostgreSQL's deferred foreign-key checks pending, and the
    # table cannot be altered (the kind dropped next) until they have run.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def categories_to_kinds(apps, schema_editor):
    for name in ("Guest", "HistoricalGuest"):
        model = apps.get_model("ceremonies", name)
        model.objects.filter(category__in=AUTHORITIES).update(kind="authority")
        for kind in ("press", "partner"):
            model.objects.filter(category=kind).update(kind=kind)
        model.objects.exclude(category__in=AUTHORITIES | {"press", "partner"}).update(kind="other")
    _fire_deferred_checks(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('ceremonies', '0007_ceremony_title_ar'),
    ]

    operations = [
        migrations.AddField(
            model_name='guest',
            name='attendance',
            field=models.CharField(choices=[('invited', 'Invited'), ('confirmed', 'Confirmed'), ('present', 'Present'), ('absent', 'Absent')], default='invited', max_length=10, verbose_name='attendance'),
        ),
        migrations.AddField(
            model_name='guest',
            name='category',
            field=models.CharField(choices=[('presiding_authority', 'Presiding authority'), ('local_authority', 'Local authority'), ('magistrature', 'Magistrature'), ('elected_official', 'Elected officials'), ('notable', 'Notables'), ('external_service', 'Heads of external services'), ('civil_military_figure', 'Civil and military figures'), ('civil_society', 'Civil society'), ('partner', 'Partners'), ('press', 'Press'), ('other', 'Other')], default='other', max_length=30, verbose_name='category'),
        ),
        migrations.AddField(
            model_name='guest',
            name='rank',
            field=models.PositiveSmallIntegerField(default=0, help_text='Guests of one category are listed by this number, smallest first.', verbose_name='rank in its category'),
        ),
        migrations.AddField(
            model_name='historicalguest',
            name='attendance',
            field=models.CharField(choices=[('invited', 'Invited'), ('confirmed', 'Confirmed'), ('present', 'Present'), ('absent', 'Absent')], default='invited', max_length=10, verbose_name='attendance'),
        ),
        migrations.AddField(
            model_name='historicalguest',
            name='category',
            field=models.CharField(choices=[('presiding_authority', 'Presiding authority'), ('local_authority', 'Local authority'), ('magistrature', 'Magistrature'), ('elected_official', 'Elected officials'), ('notable', 'Notables'), ('external_service', 'Heads of external services'), ('civil_military_figure', 'Civil and military figures'), ('civil_society', 'Civil society'), ('partner', 'Partners'), ('press', 'Press'), ('other', 'Other')], default='other', max_length=30, verbose_name='category'),
        ),
        migrations.AddField(
            model_name='historicalguest',
            name='rank',
            field=models.PositiveSmallIntegerField(default=0, help_text='Guests of one category are listed by this number, smallest first.', verbose_name='rank in its category'),
        ),
        migrations.RunPython(kinds_to_categories, categories_to_kinds),
        migrations.RemoveField(
            model_name='guest',
            name='kind',
        ),
        migrations.RemoveField(
            model_name='historicalguest',
            name='kind',
        ),
    ]
