"""Speech text: what a text-to-speech voice should read for a page.

Markdown is rendered with python-markdown and walked as HTML, so every Markdown construct is
understood the way the page shows it: headings, list items and paragraphs become sentences (one
per line), links keep their text, emphasis disappears, code blocks, images and raw HTML tags are
dropped. Swedish abbreviations are then written out, because both espeak-ng and Google read
"t.ex." letter by letter, and number ranges get the word "till" that the voices otherwise skip.

Pure: no I/O, no clock. The audio cache (web.content.audio) names files by `cache_key` of the text this
module produces, so any change here that changes the text also gives new audio files.
"""
from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser

import markdown as _markdown

__all__ = ["speech_text", "markdown_to_sentences", "normalize", "expand_abbreviations", "cache_key"]

# --- Markdown → sentences -------------------------------------------------------------------

#: elements whose text is a unit of its own (a sentence or more)
_BLOCKS = frozenset(
    "p h1 h2 h3 h4 h5 h6 li blockquote div dt dd tr table ul ol dl section article".split()
)
#: elements whose whole content is never read aloud
_SILENT = frozenset("pre script style img svg audio video iframe object template head".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


class _TextBlocks(HTMLParser):
    """Collects the text of each block element of rendered Markdown, skipping silent elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []  # (tag, text)
        self._parts: list[str] = []
        self._tags: list[str] = []  # open block tags, innermost last
        self._silent = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split()).strip(" ,")
        self._parts = []
        if text:
            self.blocks.append((self._tags[-1] if self._tags else "p", text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SILENT:
            if tag not in _VOID:
                self._silent += 1
            return
        if tag == "br":
            self._parts.append(" ")
        elif tag in _BLOCKS:
            self._flush()
            self._tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SILENT:
            if tag not in _VOID:
                self._silent = max(0, self._silent - 1)
            return
        if tag in ("td", "th"):
            self._parts.append(", ")  # a table row is read as one sentence, cells as a list
        if tag in _BLOCKS:
            self._flush()
            # pop up to and including the matching tag (tolerates sloppy raw HTML)
            if tag in self._tags:
                while self._tags and self._tags.pop() != tag:
                    pass

    def handle_data(self, data: str) -> None:
        if not self._silent:
            self._parts.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def markdown_to_sentences(md: str) -> list[tuple[str, str]]:
    """The (block tag, plain text) pairs of a Markdown text, in reading order."""
    # Markdown's own HTML comments and raw blocks pass through; the parser drops tags anyway.
    html = _markdown.markdown(md or "", extensions=["fenced_code", "tables", "sane_lists"])
    parser = _TextBlocks()
    parser.feed(html)
    parser.close()
    return parser.blocks


# --- Swedish abbreviations ------------------------------------------------------------------

# (pattern, expansion, may end a sentence). Patterns match the lower-case spelling; a match that
# starts with a capital letter (sentence start) gets a capitalised expansion.
_ABBREVIATIONS: tuple[tuple[str, str, bool], ...] = (
    (r"t\.\s?ex\.?|t ex", "till exempel", False),
    (r"bl\.\s?a\.?|bl a", "bland annat", False),
    (r"o\.\s?s\.\s?v\.?|osv\.?", "och så vidare", True),
    (r"d\.\s?v\.\s?s\.?|dvs\.?", "det vill säga", False),
    (r"m\.\s?m\.?", "med mera", True),
    (r"s\.\s?k\.?", "så kallad", False),
    (r"etc\.?", "etcetera", True),
    (r"resp\.", "respektive", False),
    (r"ev\.", "eventuellt", False),
    (r"c:a|ca\.?", "cirka", False),
    (r"kl\.|kl(?=\s?\d)", "klockan", False),
    (r"nr\.?(?=\s?\d)|nr\.", "nummer", False),
    # "st" alone is also "Sankt"/a name; only the lower-case counting word is expanded
    (r"(?<=\d\s)st\.?|st\.", "stycken", True),
)

_ABBR_RE = re.compile(
    "|".join(f"(?P<a{i}>(?<![\\w.:])(?:{p})(?![\\w]))" for i, (p, _, _) in enumerate(_ABBREVIATIONS)),
    re.IGNORECASE,
)
_NEXT_SENTENCE = re.compile(r"\s+[\"'»(]*[A-ZÅÄÖÉ]")


def expand_abbreviations(text: str) -> str:
    """Write out Swedish abbreviations (t.ex. → till exempel), keeping sentence ends and capitals."""

    def replace(m: re.Match[str]) -> str:
        if m.lastgroup is None:  # cannot happen: every alternative is a named group a<i>
            return m.group()
        index = int(m.lastgroup[1:])
        _, expansion, may_end = _ABBREVIATIONS[index]
        found = m.group()
        if index == len(_ABBREVIATIONS) - 1 and not found.islower():
            return found  # "St." is Sankt, not stycken
        if found[0].isupper():
            expansion = expansion[0].upper() + expansion[1:]
        # The abbreviation's period may double as the sentence's full stop: keep that stop.
        rest = text[m.end():]
        if found.endswith(".") and (
            not rest.strip() or (may_end and _NEXT_SENTENCE.match(rest))
        ):
            expansion += "."
        return expansion

    return _ABBR_RE.sub(replace, text)


# --- numbers and symbols --------------------------------------------------------------------

_NUMBER_A = r"(?:0|[1-9]\d*)(?:[.,:]\d+)?"  # no leading zero: "020-84 00 00" is a phone number
_NUMBER_B = r"\d+(?:[.,:]\d+)?"
_RANGE_RE = re.compile(
    rf"(?<![\w.,:–—-])({_NUMBER_A})\s?[–—-]\s?({_NUMBER_B})(?![\w–—-]|[.,:]\d)"
)
_DECIMAL_RE = re.compile(r"(?<![\d,])(\d+),(\d+)(?![\d,])")
_PERCENT_RE = re.compile(r"(\d)\s*%")
_SPACE_RE = re.compile(r"\s+")
# Sweden's health-care numbers are said the way they are advertised, not as quantities.
_1177_RE = re.compile(r"(?<![\d.,])1177(?!\d|[.,]\d)")
_112_RE = re.compile(r"\b(ring|ringa|ringer|ringde|larma|larmar|numret)\s+112(?!\d|[.,]\d)", re.IGNORECASE)
_TERMINAL = ".!?…"
_CLOSERS = "\"'»)]”’"


def normalize(text: str) -> str:
    """Abbreviations, ranges, decimals and symbols of one sentence block, written for a voice."""
    text = _SPACE_RE.sub(" ", text).strip()
    text = expand_abbreviations(text)
    text = _1177_RE.sub("elva sjuttiosju", text)
    text = _112_RE.sub(r"\1 ett ett två", text)
    # Ranges first: "2–4" must not be read as the date-like "två fyra" (the voices drop the dash).
    text = _RANGE_RE.sub(r"\1 till \2", text)
    # Swedish decimal comma: espeak-ng otherwise reads "3,5" as "tre punkt fem".
    text = _DECIMAL_RE.sub(r"\1 komma \2", text)
    text = _PERCENT_RE.sub(r"\1 procent", text)
    text = text.replace("%", " procent")
    text = text.replace(" & ", " och ")
    return _SPACE_RE.sub(" ", text).strip()


def _tidy(text: str) -> str:
    """One block's whitespace collapsed (the normalisation for languages without rules here)."""
    return _SPACE_RE.sub(" ", text).strip()


def _as_sentence(text: str) -> str:
    """End a block with a full stop so the voice pauses, unless it already ends a sentence."""
    core = text.rstrip(_CLOSERS)
    if not core:
        return text
    if core[-1] in _TERMINAL:
        return text
    if core[-1] in ",;:–—-":
        return core[:-1].rstrip() + "." + text[len(core):]
    return text + "."


def _same_words(a: str, b: str) -> bool:
    return _words(a) == _words(b)


def _words(s: str) -> list[str]:
    return re.findall(r"\w+", s.casefold())


def speech_text(title: str, markdown: str, language: str = "sv") -> str:
    """The text a voice reads for a page: the title, then the Markdown as plain sentences, one per line.

    Abbreviations, ranges and decimals are written out for Swedish; other languages (a translated
    page read in the voice "en" or "ar") only get their whitespace tidied.
    """
    normalize_line = normalize if language.split("-")[0] == "sv" else _tidy
    lines: list[str] = []
    title_line = normalize_line(title or "")
    if title_line:
        lines.append(_as_sentence(title_line))
    for i, (tag, text) in enumerate(markdown_to_sentences(markdown)):
        if i == 0 and tag in _HEADINGS and title and _same_words(text, title):
            continue  # content files often repeat the page title as their first heading
        line = normalize_line(text)
        if line:
            lines.append(_as_sentence(line))
    return "\n".join(lines)


def cache_key(text: str, voice: str, backend: str) -> str:
    """sha256 hex naming the audio of this speech text in this voice from this backend."""
    # A separator that cannot occur in the parts keeps ("a", "bc") and ("ab", "c") apart.
    payload = "\x1f".join((backend, voice, text)).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()
