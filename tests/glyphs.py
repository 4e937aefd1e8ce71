"""What a reader of a PDF sees, read back from the glyphs' positions (poppler's
`pdftotext -bbox`): each word with the x and y of its box, its letters in the order they
are drawn from left to right. So a law number that a right-to-left paragraph reordered
reads "08-09" here, whatever order the text has in the file."""

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)
PAGE = re.compile(r"<page ")
ARABIC = re.compile("[\u0600-\u06ff]")


@dataclass(frozen=True)
class Word:
    page: int
    x: float
    y: float
    right: float
    text: str


def words(content: bytes) -> list[Word]:
    """Every word of the PDF, page by page, with its box."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        xhtml = subprocess.run(
            ["pdftotext", "-bbox", file.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    found, page = [], 0
    for line in xhtml.splitlines():
        if PAGE.search(line):
            page += 1
        match = WORD.search(line)
        if match:
            x, y, right, _bottom, text = match.groups()
            found.append(Word(page, float(x), float(y), float(right), unescape(text)))
    return found


def lines(found: list[Word], tolerance: float = 3.0) -> list[list[Word]]:
    """The words grouped by line (same page, tops within `tolerance` points), each line
    from left to right."""
    grouped: list[list[Word]] = []
    for word in sorted(found, key=lambda w: (w.page, w.y, w.x)):
        if grouped and grouped[-1][0].page == word.page and abs(grouped[-1][0].y - word.y) <= tolerance:
            grouped[-1].append(word)
        else:
            grouped.append([word])
    return [sorted(line, key=lambda w: w.x) for line in grouped]


def arabic_lines(found: list[Word]) -> list[list[Word]]:
    """The lines that hold Arabic words: the Arabic paragraphs and cells. A line of the
    French half beside them (same height) counts too; `half` narrows to one side."""
    return [line for line in lines(found) if any(ARABIC.search(word.text) for word in line)]


def half(line: list[Word], side: str, page_width: float = 595.0) -> list[Word]:
    middle = page_width / 2
    return [w for w in line if (w.x >= middle - 20) == (side == "right")]


def reads_left_to_right(line: list[Word], phrase: str) -> bool:
    """The words of `phrase` stand side by side in `line`, in this order from left to
    right: what a reader of a Latin or numeric phrase must see, also inside Arabic text."""
    wanted = phrase.split()
    texts = [word.text for word in line]
    return any(texts[i:i + len(wanted)] == wanted for i in range(len(texts) - len(wanted) + 1))


def find_line(found: list[Word], phrase: str, side: str | None = None,
              arabic_only: bool = True) -> list[Word] | None:
    """The first line in which `phrase` reads left to right.

    `side="right"`: in the right half of the page (the Arabic half of a bilingual
    document), whatever else the line holds. Otherwise among the lines that hold Arabic
    words, or among all lines with `arabic_only=False` (a document printed in Arabic: a
    table row of figures and references has no Arabic word, yet is laid out right to
    left)."""
    if side:
        candidates = [half(line, side) for line in lines(found)]
    else:
        candidates = arabic_lines(found) if arabic_only else lines(found)
    for line in candidates:
        if reads_left_to_right(line, phrase):
            return line
    return None


def save_pages(content: bytes, name: str) -> list[Path]:
    """Each page as a PNG in $SCREENSHOT_DIR (CI keeps them), when it is set."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return []
    Path(folder).mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", file.name, str(Path(folder) / name)], check=True
        )
    return sorted(Path(folder).glob(f"{name}*.png"))
