"""Procurement's models leave grants' state for procurement's (procurement 0001): the
state only, their tables stay where they are. The equipment lines now point at
procurement's suppliers and orders, through the same columns.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0019_amendment'),
        ('procurement', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='disbursement',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='disbursement',
                name='project',
            ),
            migrations.RemoveField(
                model_name='historicaldisbursement',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='historicaldisbursement',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicaldisbursement',
                name='project',
            ),
            migrations.RemoveField(
                model_name='historicalpurchaseorder',
                name='convention',
            ),
            migrations.RemoveField(
                model_name='historicalpurchaseorder',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='historicalpurchaseorder',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalpurchaseorder',
                name='supplier',
            ),
            migrations.RemoveField(
                model_name='historicalquote',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalquote',
                name='purchase_order',
            ),
            migrations.RemoveField(
                model_name='historicalquote',
                name='supplier',
            ),
            migrations.RemoveField(
                model_name='historicalsupplier',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalsupplierbankchange',
                name='decided_by',
            ),
            migrations.RemoveField(
                model_name='historicalsupplierbankchange',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalsupplierbankchange',
                name='requested_by',
            ),
            migrations.RemoveField(
                model_name='historicalsupplierbankchange',
                name='supplier',
            ),
            migrations.RemoveField(
                model_name='purchaseorder',
                name='convention',
            ),
            migrations.RemoveField(
                model_name='purchaseorder',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='purchaseorder',
                name='supplier',
            ),
            migrations.AlterField(
                model_name='historicalequipmentitem',
                name='purchase_order',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procurement.purchaseorder', verbose_name='purchase order'),
            ),
            migrations.AlterField(
                model_name='equipmentitem',
                name='purchase_order',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='procurement.purchaseorder', verbose_name='purchase order'),
            ),
            migrations.RemoveField(
                model_name='quote',
                name='purchase_order',
            ),
            migrations.RemoveField(
                model_name='quote',
                name='supplier',
            ),
            migrations.AlterField(
                model_name='equipmentitem',
                name='supplier',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='equipment_items', to='procurement.supplier', verbose_name='supplier'),
            ),
            migrations.AlterField(
                model_name='historicalequipmentitem',
                name='supplier',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='procurement.supplier', verbose_name='supplier'),
            ),
            migrations.RemoveField(
                model_name='supplierbankchange',
                name='supplier',
            ),
            migrations.RemoveField(
                model_name='supplierbankchange',
                name='decided_by',
            ),
            migrations.RemoveField(
                model_name='supplierbankchange',
                name='requested_by',
            ),
            migrations.DeleteModel(
                name='Disbursement',
            ),
            migrations.DeleteModel(
                name='HistoricalDisbursement',
            ),
            migrations.DeleteModel(
                name='HistoricalPurchaseOrder',
            ),
            migrations.DeleteModel(
                name='HistoricalQuote',
            ),
            migrations.DeleteModel(
                name='HistoricalSupplier',
            ),
            migrations.DeleteModel(
                name='HistoricalSupplierBankChange',
            ),
            migrations.DeleteModel(
                name='PurchaseOrder',
            ),
            migrations.DeleteModel(
                name='Quote',
            ),
            migrations.DeleteModel(
                name='Supplier',
            ),
            migrations.DeleteModel(
                name='SupplierBankChange',
            ),
        ]),
    ]
