"""Réinsertion's project package. The Celery application is loaded with Django, so that
`transaction.on_commit(task.delay)` finds its settings (reintegration/celery.py)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
