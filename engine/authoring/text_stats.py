"""Word count and LIX readability of a step's Markdown, for `stegvis outline`.

LIX (läsbarhetsindex, Björnsson) = words / sentences + 100 × long words / words, where a long word
has more than six letters. Markdown markup is removed first; a heading, list item or paragraph that
does not end with punctuation still ends a sentence, since a reader pauses there too.
"""
from __future__ import annotations

import re

_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^>]*>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_REF_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S.*$", re.MULTILINE)
_BLOCK_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)+", re.MULTILINE)
_HEADING_CLOSE = re.compile(r"\s+#+\s*$", re.MULTILINE)
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$", re.MULTILINE)
_TABLE_DIVIDER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|~~)")
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
#: sentence ends: . ! ? : followed by space/end (so "1.5" and "kl. 10:30" stay inside a sentence)
_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)")


def plain_text(markdown_text: str) -> str:
    """The readable text of Markdown: code, URLs and markup removed, one block (sentence unit) per line."""
    text = _FENCE.sub("", markdown_text)
    for pattern in (_REF_DEFINITION, _RULE, _TABLE_DIVIDER):
        text = pattern.sub("", text)
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line.strip():
            blocks.append([])
            continue
        heading = re.match(r"\s{0,3}#{1,6}\s", line)
        # headings, list items, quotes and table rows start a block; plain lines continue a paragraph
        if heading or _BLOCK_PREFIX.match(line) or line.lstrip().startswith("|"):
            blocks.append([])
        blocks[-1].append(line)
        if heading or line.lstrip().startswith("|"):
            blocks.append([])
    result = []
    for lines in blocks:
        block = _inline_plain(" ".join(_BLOCK_PREFIX.sub("", line) for line in lines))
        if block:
            result.append(block)
    return "\n".join(result)


def _inline_plain(text: str) -> str:
    text = _INLINE_CODE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _AUTOLINK.sub("", text)
    text = _HTML_TAG.sub("", text)
    text = _HEADING_CLOSE.sub("", text)
    text = _EMPHASIS.sub("", text)
    return " ".join(text.replace("|", " ").split())


def _blocks(markdown_text: str) -> list[str]:
    return [b for b in plain_text(markdown_text).split("\n") if _WORD.search(b)]


def words(markdown_text: str) -> int:
    """Number of words in the Markdown's readable text."""
    return len(_WORD.findall(plain_text(markdown_text)))


def sentences(markdown_text: str) -> int:
    """Number of sentences: sentence-ending punctuation, plus each block that ends without it."""
    count = 0
    for block in _blocks(markdown_text):
        position = 0
        for end in _SENTENCE_END.finditer(block):
            if _WORD.search(block[position:end.start()]):  # "Hej . ." is one sentence, not three
                count += 1
                position = end.end()
        if _WORD.search(block[position:]):
            count += 1
    return count


def long_words(markdown_text: str) -> int:
    """Number of words with more than six letters."""
    return sum(1 for w in _WORD.findall(plain_text(markdown_text)) if sum(c.isalpha() for c in w) > 6)


def lix(markdown_text: str) -> float:
    """LIX readability: words per sentence + percentage of long words (0.0 for a text without words)."""
    n_words = words(markdown_text)
    if n_words == 0:
        return 0.0
    return n_words / max(1, sentences(markdown_text)) + 100 * long_words(markdown_text) / n_words
