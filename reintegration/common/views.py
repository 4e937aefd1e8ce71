"""Behaviours shared by the lists of every app."""

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect


class RememberFiltersMixin:
    """A list opened without parameters shows again the filters last used on it in this
    session: staff go from the list to a file and back without typing their search again.
    "Clear" (`clear_filters_url`, i.e. `?reset=1`) forgets them.

    Put it first among a `FilterView`'s bases (before `ExportMixin`)."""

    reset_parameter = "reset"
    # Not filters: a page number may no longer exist, an export is a one-off.
    ignored_parameters = ("page", "export")

    def remembered_filters_key(self) -> str:
        return f"list-filters:{self.request.resolver_match.view_name}"

    def get(self, request, *args, **kwargs):
        key = self.remembered_filters_key()
        if self.reset_parameter in request.GET:
            request.session.pop(key, None)
            return redirect(request.path)
        if not request.GET:
            remembered = request.session.get(key)
            if remembered:
                return redirect(f"{request.path}?{remembered}")
        else:
            filters = QueryDict(mutable=True)
            for name, values in request.GET.lists():
                if name not in self.ignored_parameters:
                    filters.setlist(name, [value for value in values if value])
            query = filters.urlencode()
            if not query:
                request.session.pop(key, None)
            elif request.session.get(key) != query:
                request.session[key] = query
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("clear_filters_url", f"{self.request.path}?{self.reset_parameter}=1")
        return super().get_context_data(**kwargs)


# The money rules' refusals carry figures about the whole form (its project, its order):
# shown on top of the form whichever field the service names.
ON_TOP_CODES = frozenset({"above_approved", "above_order"})


def put_errors_on_form(form, error: ValidationError) -> None:
    """A service's error goes on the field it names, or on top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            on_top = [e for e in errors if e.code in ON_TOP_CODES]
            others = [e for e in errors if e.code not in ON_TOP_CODES]
            if on_top:
                form.add_error(None, on_top)
            if others:
                form.add_error(field if field in form.fields else None, others)
    else:
        form.add_error(None, error)


class CrumbsMixin:
    """Breadcrumbs of the page, for `_breadcrumbs.html`: (label, url) pairs, the last url None."""

    def get_crumbs(self) -> list[tuple[str, str | None]]:
        return []

    def get_context_data(self, **kwargs):
        kwargs.setdefault("crumbs", self.get_crumbs())
        return super().get_context_data(**kwargs)
