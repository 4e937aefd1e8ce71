"""The base of every Django admin page with a history (django-simple-history)."""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose history pages answer 404 to an address that
    names no record: it looked `abc` up in an integer key (a 500), where Django's own
    pages say the object does not exist.

    Its history page lists 25 versions a page (the library's 100): each version shown is
    compared with the one before it, and a file edited for ten years has about 80
    (bench/README.md, "Over the years")."""

    history_list_per_page = 25

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_key(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_key(object_id)
        if not (version_id.isascii() and version_id.isdigit() and len(version_id) <= 18):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _ensure_key(self, object_id) -> None:
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None
