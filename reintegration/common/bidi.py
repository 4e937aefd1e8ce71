"""Mixed-direction text: the one way to isolate a value, and the one way to clean input.

Why "القانون 09-08" shows as 08-09 (Unicode bidirectional algorithm, UAX #9): after
Arabic letters, European digits become Arabic numbers (rule W2) and a hyphen between two
of them stays neutral, so each number is laid out on its own, right to left. Latin
words with punctuation, references such as "PRJ-2026-00004" and quotes suffer the same
way inside Arabic text, and Arabic names inside French text the other way round.

The cure is isolation: a value interpolated into text of the other direction is laid
out on its own, in its own direction, and its surroundings treat it as one neutral
character (the rules above never reach inside it):

- in HTML (pages and PDFs) `<bdi dir="ltr|rtl">…</bdi>`, the `bdi` template filter;
- in plain text (CSV and XLSX cells, e-mail subjects and bodies) LRI or RLI … PDI,
  `isolate()`.

Both take the direction from the value's first strong character (rule P2, what HTML's
`dir="auto"` and the FSI character do), worked out here so that the same value gets the
same direction in Chromium, in WeasyPrint (which reads `dir` but not `dir="auto"`) and
in any text viewer. A value without letters (a number, a date, "09-08") is left to right.

Input is cleaned of the characters that change the direction of what follows them
(`strip_bidi_controls`): typed into a name, U+202E RIGHT-TO-LEFT OVERRIDE reverses every
field printed after it, on every page and certificate that shows the name.
"""

import re
import unicodedata
from functools import lru_cache

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"

# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and isolates (LRI, RLI, FSI, PDI):
# they open a level that changes the layout of everything up to the end of the paragraph
# when their closing character is missing. Never needed in stored data: the output
# isolates each value itself.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Marks (LRM, RLM, ALM) are invisible letters of a direction. Inside a text they may be
# what its writer meant (a mark after "12-14" in an Arabic address keeps the numbers in
# the order typed); at either end of a value or of one of its lines they do nothing but
# leak into the text around the value, which its isolation already prevents.
EDGE_MARKS = re.compile(
    f"^[{LRM}{RLM}{ALM}\\s]+|[{LRM}{RLM}{ALM}\\s]+$", re.MULTILINE
)
ANY_CONTROL_OR_MARK = re.compile(f"[\u202a-\u202e\u2066-\u2069{LRM}{RLM}{ALM}]")

LTR, RTL = "ltr", "rtl"
_STRONG = {"L": LTR, "R": RTL, "AL": RTL}


def strip_bidi_controls(text: str) -> str:
    """`text` without bidi embeddings, overrides and isolates, and without direction
    marks at its ends or its lines' ends (whitespace there is left as it was)."""
    if not isinstance(text, str) or not ANY_CONTROL_OR_MARK.search(text):
        return text
    text = BIDI_CONTROLS.sub("", text)
    return EDGE_MARKS.sub(_keep_whitespace, text)


def _keep_whitespace(match: re.Match) -> str:
    return "".join(char for char in match.group() if char not in (LRM, RLM, ALM))


@lru_cache(maxsize=4096)
def _direction_of(text: str) -> str:
    for char in text:
        direction = _STRONG.get(unicodedata.bidirectional(char))
        if direction:
            return direction
    return LTR


def direction(value) -> str:
    """"rtl" when the first strong character of `value` is Arabic (or Hebrew), else
    "ltr" (also for a value without letters: numbers, dates, "09-08")."""
    text = str(value)
    if len(text) > 64:  # the first letter decides: no need to cache a long text
        return _direction_of.__wrapped__(text)
    return _direction_of(text)


def isolate(value, dir: str | None = None) -> str:  # noqa: A002 - named as HTML names it
    """Plain text: `value` between LRI or RLI and PDI, laid out on its own in its
    direction (`dir`, or that of its first letter). "" for None or an empty value."""
    if value is None:
        return ""
    text = str(value)
    if not text:
        return ""
    opening = RLI if (dir or direction(text)) == RTL else LRI
    return f"{opening}{text}{PDI}"
