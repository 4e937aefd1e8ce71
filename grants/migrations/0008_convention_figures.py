# Each convention's committed and disbursed amounts, kept so that its page and its
# projects' pages read them instead of summing its projects, their payments and invoiced
# equipment on every view (grants.services.refresh_convention_figures keeps them).

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

# Frozen copy of `Project.COMMITTED_STATUSES` and `grants.models._budget_sums` as they
# stand in this migration: later changes of the code must not change what it does.
COMMITTED_STATUSES = ["approved", "equipped", "active", "closed", "abandoned"]
SUM = models.DecimalField(max_digits=14, decimal_places=2)


def sum_of(queryset, expression):
    summed = (
        queryset.order_by().annotate(_group=Value(1)).values("_group")
        .annotate(total=Sum(expression, output_field=SUM)).values("total")
    )
    return Coalesce(Subquery(summed, output_field=SUM), Value(Decimal("0.00")), output_field=SUM)


def backfill(apps, schema_editor):
    """Set-based: one INSERT … SELECT of every convention with its sums (about a second
    for 300 conventions of 100,000 projects)."""
    convention_model = apps.get_model("grants", "Convention")
    project_model = apps.get_model("grants", "Project")
    disbursement_model = apps.get_model("grants", "Disbursement")
    line_model = apps.get_model("grants", "EquipmentItem")
    figures_model = apps.get_model("grants", "ConventionFigures")
    connection = schema_editor.connection
    convention = OuterRef("pk")
    committed = sum_of(
        project_model.objects.filter(convention=convention, status__in=COMMITTED_STATUSES),
        "approved_amount",
    )
    disbursed = sum_of(
        disbursement_model.objects.filter(project__convention=convention), "amount"
    ) + sum_of(
        line_model.objects.filter(project__convention=convention, purchase_order__status="invoiced"),
        F("quantity") * F("unit_price"),
    )
    rows = (
        convention_model.objects.using(connection.alias).order_by()
        .annotate(committed=committed, disbursed=disbursed)
        .values("pk", "committed", "disbursed")
    )
    sql, params = rows.query.get_compiler(connection.alias).as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(figures_model._meta.get_field(name).column) for name in ("convention", "committed", "disbursed")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(figures_model._meta.db_table)} ({columns}) {sql}", params)


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0007_convention_figures_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='ConventionFigures',
            fields=[
                ('convention', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='figures', serialize=False, to='grants.convention', verbose_name='convention')),
                ('committed', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='committed (DH)')),
                ('disbursed', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='disbursed (DH)')),
            ],
            options={
                'verbose_name': 'convention figures',
                'verbose_name_plural': 'convention figures',
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
