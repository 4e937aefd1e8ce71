"""Framework agreements above the conventions, and each convention's partners with their
shares of the envelope."""

import django.core.validators
import django.db.models.deletion
import grants.models
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


# The shares of a convention's partners add up to 100 % (or the convention has none yet,
# and its partner is taken at 100 %). A check across rows: on PostgreSQL a constraint
# trigger deferred to the commit, so the rows of one edit may pass through other sums on
# the way; SQLite (development) relies on the forms and the service.
SHARES_TRIGGER = """
CREATE FUNCTION grants_convention_shares_add_up() RETURNS trigger AS $$
DECLARE
    touched bigint;
    total numeric;
BEGIN
    FOR touched IN
        SELECT DISTINCT unnest(ARRAY[
            CASE WHEN TG_OP <> 'DELETE' THEN NEW.convention_id END,
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.convention_id END
        ])
    LOOP
        CONTINUE WHEN touched IS NULL;
        SELECT COALESCE(SUM(share), 0) INTO total
            FROM grants_conventionpartner WHERE convention_id = touched;
        IF total <> 0 AND total <> 100 THEN
            RAISE EXCEPTION 'the partners'' shares of convention % add up to % %%, not 100 %%', touched, total
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'convention_partner_shares_add_up';
        END IF;
    END LOOP;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER convention_partner_shares_add_up
    AFTER INSERT OR UPDATE OR DELETE ON grants_conventionpartner
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION grants_convention_shares_add_up();
"""
DROP_SHARES_TRIGGER = """
DROP TRIGGER IF EXISTS convention_partner_shares_add_up ON grants_conventionpartner;
DROP FUNCTION IF EXISTS grants_convention_shares_add_up();
"""


def create_trigger(apps, schema_editor):
    # Through a cursor without parameters: the function's % are PL/pgSQL's, not placeholders.
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(SHARES_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP_SHARES_TRIGGER)


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0010_order_identifiers_in_force'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FrameworkAgreement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=50, unique=True, verbose_name='reference')),
                ('title', models.CharField(max_length=255, verbose_name='title')),
                ('signed_on', models.DateField(blank=True, null=True, verbose_name='signed on')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(blank=True, null=True, verbose_name='ends on')),
                ('document', models.FileField(blank=True, upload_to=grants.models.framework_document_upload_to, verbose_name='signed agreement')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('parties', models.ManyToManyField(related_name='framework_agreements', to='grants.partner', verbose_name='parties')),
            ],
            options={
                'verbose_name': 'framework agreement',
                'verbose_name_plural': 'framework agreements',
                'ordering': ['-starts_on', 'reference'],
            },
        ),
        migrations.AddField(
            model_name='convention',
            name='framework_agreement',
            field=models.ForeignKey(blank=True, help_text='The national agreement under which this convention is signed.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='conventions', to='grants.frameworkagreement', verbose_name='framework agreement'),
        ),
        migrations.AddField(
            model_name='historicalconvention',
            name='framework_agreement',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='The national agreement under which this convention is signed.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.frameworkagreement', verbose_name='framework agreement'),
        ),
        migrations.CreateModel(
            name='HistoricalConventionPartner',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('share', models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0.01')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='share of the envelope (%)')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('convention', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.convention', verbose_name='convention')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('partner', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.partner', verbose_name='partner')),
            ],
            options={
                'verbose_name': 'historical convention partner',
                'verbose_name_plural': 'historical convention partners',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalFrameworkAgreement',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('reference', models.CharField(db_index=True, max_length=50, verbose_name='reference')),
                ('title', models.CharField(max_length=255, verbose_name='title')),
                ('signed_on', models.DateField(blank=True, null=True, verbose_name='signed on')),
                ('starts_on', models.DateField(verbose_name='starts on')),
                ('ends_on', models.DateField(blank=True, null=True, verbose_name='ends on')),
                ('document', models.TextField(blank=True, max_length=100, verbose_name='signed agreement')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='created at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical framework agreement',
                'verbose_name_plural': 'historical framework agreements',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalFrameworkAgreement_parties',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                ('frameworkagreement', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.frameworkagreement')),
                ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='grants.historicalframeworkagreement')),
                ('partner', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.partner')),
            ],
            options={
                'verbose_name': 'HistoricalFrameworkAgreement_parties',
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ConventionPartner',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('share', models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0.01')), django.core.validators.MaxValueValidator(Decimal('100'))], verbose_name='share of the envelope (%)')),
                ('convention', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='partner_shares', to='grants.convention', verbose_name='convention')),
                ('partner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='convention_shares', to='grants.partner', verbose_name='partner')),
            ],
            options={
                'verbose_name': 'convention partner',
                'verbose_name_plural': 'convention partners',
                'ordering': ['-share', 'partner__name'],
                'constraints': [models.UniqueConstraint(fields=('convention', 'partner'), name='convention_partner_once'), models.CheckConstraint(condition=models.Q(('share__gt', 0), ('share__lte', 100)), name='convention_partner_share_percentage')],
            },
        ),
        migrations.AddConstraint(
            model_name='frameworkagreement',
            constraint=models.CheckConstraint(condition=models.Q(('ends_on__isnull', True), ('ends_on__gte', models.F('starts_on')), _connector='OR'), name='framework_agreement_ends_after_start'),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
