"""Create the four role groups of DESIGN.md.

Their permissions are applied by `roles.sync_role_permissions` after every migrate,
once every model's permissions exist.
"""

from django.db import migrations

ROLES = ["admin", "foundation_staff", "prefecture_officer", "auditor"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, delete_groups)]
