"""Names sorted as their readers sort them, on PostgreSQL and on SQLite alike.

The databases' default order is that of code points ("C.UTF-8"): "Béni Mellal" after
"Boulemane", "Tétouan" after "Tiznit", "Étagère" after "Zèbre". Names follow French
collation in French and English, Arabic collation in Arabic (by their Arabic name).

Both databases know the same two collations by the same names, `french` and `arabic`,
so one expression or column definition serves both:

- on PostgreSQL they are ICU collations (ICU's `fr` and `ar`, those of PostgreSQL's own
  `fr-x-icu` and `ar-x-icu`) made by the migration territories 0003; names without
  hyphens, as SQLite's column definitions cannot quote one;
- SQLite is given collations of those names on each new connection
  (`register_sqlite_collations`), comparing with the same ICU library through PyICU, so
  a list sorts the same way in development and in production.

`LocalisedOrder` is the language-dependent order of reference data (territories,
establishments, sectors) written once in a model's `Meta.ordering`: it is worked out
when a query is compiled, so a filter's or a form's queryset made when its module was
imported still sorts in the language of the page that shows it. Columns always sorted in
French (people's names, which are in Latin letters) carry the collation themselves
(`db_collation=FRENCH`), so that their indexes serve the order.
"""

from functools import cache

from django.db.models import Expression, F, Value
from django.db.models.functions import Coalesce, Collate, NullIf
from django.utils.deconstruct import deconstructible
from django.utils.translation import get_language

FRENCH = "french"
ARABIC = "arabic"
# The ICU locale of each collation (PostgreSQL's migration and PyICU read them).
ICU_LOCALES = {FRENCH: "fr", ARABIC: "ar"}


@cache
def _collator(collation: str):
    import icu  # PyICU: only SQLite and Python-side sorting need it

    return icu.Collator.createInstance(icu.Locale(ICU_LOCALES[collation]))


def sort_key(text: str, collation: str = FRENCH) -> bytes:
    """A key that sorts strings in Python as the database's `collation` does."""
    return _collator(collation).getSortKey(text or "")


def label_key(text: str) -> bytes:
    """`sorted(labels, key=label_key)`: in the page's language's collation."""
    return sort_key(text, ARABIC if is_arabic() else FRENCH)


def register_sqlite_collations(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: SQLite learns `french` and `arabic`."""
    if connection.vendor != "sqlite":
        return
    add_sqlite_collations(connection.connection)


def add_sqlite_collations(sqlite_connection) -> None:
    """Teach a raw `sqlite3` connection the two collations: the people's name columns
    are declared with them, so a copy of the database (a backup) needs them to sort."""
    for collation in ICU_LOCALES:
        sqlite_connection.create_collation(collation, _collator(collation).compare)


def is_arabic() -> bool:
    return (get_language() or "").startswith("ar")


@deconstructible(path="reintegration.common.collation.LocalisedOrder")
class LocalisedOrder(Expression):
    """`Meta.ordering = [LocalisedOrder("name_fr", "name_ar")]`: by `name_ar` in Arabic
    collation when the language is Arabic, by `english` in English when given, by
    `french` in French collation otherwise (and for rows without a name in the language)."""

    def __init__(self, french: str, arabic: str | None = None, english: str | None = None):
        super().__init__()
        self.french, self.arabic, self.english = french, arabic, english

    def _key(self):
        return (self.french, self.arabic, self.english)

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._key()!r}"

    def __eq__(self, other):
        return isinstance(other, LocalisedOrder) and self._key() == other._key()

    def __hash__(self):
        return hash((type(self), *self._key()))

    def prefix_references(self, prefix):
        """The same order reached through a relation (`ordering = ["sector"]` elsewhere)."""
        return LocalisedOrder(*(f"{prefix}{name}" if name else None for name in self._key()))

    def resolve_expression(self, *args, **kwargs):
        language = (get_language() or "")[:2]
        other = {"ar": self.arabic, "en": self.english}.get(language)
        name = Coalesce(NullIf(F(other), Value("")), F(self.french)) if other else F(self.french)
        expression = Collate(name, ARABIC if language == "ar" else FRENCH)
        return expression.resolve_expression(*args, **kwargs)
