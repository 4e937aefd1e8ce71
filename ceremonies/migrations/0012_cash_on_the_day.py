"""The cash grant handed at the ceremony: how (cheque or transfer, its reference) on the
attendance, and the payment it became on the certificate."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ceremonies', '0011_press_kit'),
        ('procurement', '0002_content_types'),
    ]

    operations = [
        migrations.AddField(
            model_name='attendance',
            name='cash_method',
            field=models.CharField(blank=True, choices=[('transfer', 'Bank transfer'), ('cheque', 'Cheque')], max_length=10, verbose_name='cash grant handed on the day'),
        ),
        migrations.AddField(
            model_name='attendance',
            name='cash_reference',
            field=models.CharField(blank=True, max_length=50, verbose_name='cheque number or transfer reference'),
        ),
        migrations.AddField(
            model_name='handover',
            name='disbursement',
            field=models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='handover', to='procurement.disbursement', verbose_name='cash grant paid on the day'),
        ),
        migrations.AddField(
            model_name='historicalattendance',
            name='cash_method',
            field=models.CharField(blank=True, choices=[('transfer', 'Bank transfer'), ('cheque', 'Cheque')], max_length=10, verbose_name='cash grant handed on the day'),
        ),
        migrations.AddField(
            model_name='historicalattendance',
            name='cash_reference',
            field=models.CharField(blank=True, max_length=50, verbose_name='cheque number or transfer reference'),
        ),
        migrations.AddField(
            model_name='historicalhandover',
            name='disbursement',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procurement.disbursement', verbose_name='cash grant paid on the day'),
        ),
    ]
