"""Follow-up's models leave grants' state for followup's (followup 0001): the state only,
their tables stay where they are.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0020_procurement_models_to_procurement'),
        ('followup', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='historicalfollowupvisit',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalfollowupvisit',
                name='project',
            ),
            migrations.RemoveField(
                model_name='historicalfollowupvisit',
                name='visitor',
            ),
            migrations.RemoveField(
                model_name='projectoutcome',
                name='project',
            ),
            migrations.DeleteModel(
                name='FollowUpVisit',
            ),
            migrations.DeleteModel(
                name='HistoricalFollowUpVisit',
            ),
            migrations.DeleteModel(
                name='ProjectOutcome',
            ),
        ]),
    ]
