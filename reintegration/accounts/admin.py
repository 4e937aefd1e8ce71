from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from reintegration.common.admin import HistoryAdmin

from .models import User


@admin.register(User)
class UserAdmin(HistoryAdmin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Scope"), {"fields": ("prefectures", "language")}),
    )
    filter_horizontal = ("groups", "user_permissions", "prefectures")
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "prefectures"]
