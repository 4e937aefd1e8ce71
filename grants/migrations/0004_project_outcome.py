# Each project's outcome, read once from its visits, so that the dashboard sums columns
# instead of running ten correlated subqueries per launched project.

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan

# Frozen copy of `FollowUpVisitQuerySet.outcome_facts` and `services.refresh_outcomes` as
# they stand in this migration: later changes of the code must not change what it does.
MILESTONES = (6, 12, 24)
WINDOW_BEFORE, WINDOW_AFTER = 2, 3


def backfill(apps, schema_editor):
    """Set-based: one INSERT … SELECT grouped over the visits, one UPDATE for the latest
    revenue and jobs (seconds on 200,000 visits, no row passes through Python)."""
    visit_model = apps.get_model("grants", "FollowUpVisit")
    outcome_model = apps.get_model("grants", "ProjectOutcome")
    connection = schema_editor.connection
    stopped = Q(activity_status="stopped") | Q(activity_closed=True)
    facts = {
        "jobs": Value(0),  # the latest visit's, written by the UPDATE below
        "reincarcerated": GreaterThan(Count("pk", filter=Q(reincarcerated=True)), 0),
        "stopped_after_months": Min("months", filter=stopped),
    }
    for milestone in MILESTONES:
        end = milestone + WINDOW_AFTER
        around = Q(months__gte=milestone - WINDOW_BEFORE, months__lte=end)
        facts[f"observed_{milestone}"] = GreaterThan(
            Count("pk", filter=around | (stopped & Q(months__lte=end))), 0
        )
    rows = (
        visit_model.objects.using(connection.alias)
        .filter(visited_on__isnull=False)
        .alias(months=(
            (ExtractYear("visited_on") - ExtractYear("project__launched_on")) * 12
            + ExtractMonth("visited_on") - ExtractMonth("project__launched_on")
        ))
        .order_by()
        .values("project")
        .annotate(**facts)
    )
    sql, params = rows.query.get_compiler(connection.alias).as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(outcome_model._meta.get_field(name).column) for name in ["project", *facts]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(outcome_model._meta.db_table)} ({columns}) {sql}", params)
    latest = visit_model.objects.filter(
        project=OuterRef("project"), visited_on__isnull=False
    ).order_by("-visited_on", "-pk")
    outcome_model.objects.using(connection.alias).update(
        revenue=Subquery(latest.filter(monthly_revenue__isnull=False).values("monthly_revenue")[:1]),
        jobs=Subquery(latest.values("jobs_created")[:1]),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0003_sector_and_kit_history'),
    ]

    operations = [
        migrations.CreateModel(
            name='ProjectOutcome',
            fields=[
                ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='outcome', serialize=False, to='grants.project', verbose_name='project')),
                ('revenue', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='latest monthly revenue (DH)')),
                ('jobs', models.PositiveSmallIntegerField(default=0, verbose_name='jobs at the latest visit')),
                ('reincarcerated', models.BooleanField(default=False, verbose_name='beneficiary re-incarcerated')),
                ('stopped_after_months', models.SmallIntegerField(blank=True, null=True, verbose_name='months after launch when first found stopped')),
                ('observed_6', models.BooleanField(default=False, verbose_name='observed at 6 months')),
                ('observed_12', models.BooleanField(default=False, verbose_name='observed at 12 months')),
                ('observed_24', models.BooleanField(default=False, verbose_name='observed at 24 months')),
            ],
            options={
                'verbose_name': 'project outcome',
                'verbose_name_plural': 'project outcomes',
            },
        ),
        # Reversed, the table is dropped with its rows: nothing to undo first.
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
