"""A streaming XLSX writer: the workbook's zip is written part by part and handed out in pieces as it grows.

An .xlsx is a zip of a few XML parts. `zipfile` writes to a non-seekable sink with data descriptors, and
`ZipFile.open(name, "w")` takes a sheet part row by row, so the first bytes leave before any row is read
and memory stays flat (docs/performance.md, "The Export downloads at that size"). The cells are what
openpyxl's write_only writer made of the same values: numbers as numbers, text as strings (here inline
strings), None and "" as no cell, text cut at 32 767 characters. Characters XML cannot carry (control characters
other than tab, line feed, carriage return), on which openpyxl raised, are left out.
"""
from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from math import isinf, isnan
from typing import Any, Iterable, Iterator, Sequence

ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE
MAX_TEXT = 32767
MAX_TITLE = 31
FLUSH_ROWS = 500
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    f'<Default Extension="xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>')
ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


class _Sink:
    """A write-only, non-seekable file (no tell/seek, so zipfile uses data descriptors) collecting bytes."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def column_letters(count: int) -> list[str]:
    """A, B, … Z, AA, AB … for the first `count` columns."""
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, rest = divmod(index - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def text(value: str) -> str:
    """A string as inline-string XML (empty if nothing is left): cut at 32 767 characters, illegal
    characters left out, escaped; leading or trailing white space kept."""
    value = ILLEGAL.sub("", value[:MAX_TEXT]).translate(_ESCAPES)
    if not value:
        return ""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<is><t{space}>{value}</t></is>"


def number(value: int | float | Decimal) -> str:
    """As openpyxl writes numbers (so 5.0 reads back as 5): 16 significant digits; NaN and ∞ empty."""
    return "" if isnan(value) or isinf(value) else "%.16g" % value


def cell(ref: str, value: Any) -> str:
    """One <c> element; None and "" are no cell (as openpyxl's write_only writer made them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"><v>{number(value)}</v></c>'
    inline = text(value if isinstance(value, str) else str(value))
    return f'<c r="{ref}" t="inlineStr">{inline}</c>' if inline else ""


def _titles(used: list[str], title: str) -> str:
    """Sheet titles at most 31 characters, unique without regard to case (openpyxl appends a number)."""
    title = title[:MAX_TITLE]
    base, number = title, 0
    while title.lower() in (t.lower() for t in used):
        number += 1
        title = f"{base}{number}"
    used.append(title)
    return title


def _attr(value: str) -> str:
    return value.translate(_ESCAPES).replace('"', "&quot;")


def xlsx_chunks(sheets: Iterable[tuple[str, Iterable[Sequence[Any]]]],
                flush_rows: int = FLUSH_ROWS) -> Iterator[bytes]:
    """The workbook as bytes, in pieces: one sheet per (title, rows), the first row being the header.

    Each sheet's rows are read lazily and written before the next sheet is asked for; a piece is handed
    out before the first row is read and after every `flush_rows` rows.
    """
    sink = _Sink()
    titles: list[str] = []
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        yield sink.take()  # never empty: the first parts are written
        for title, rows in sheets:
            _titles(titles, title)
            with archive.open(f"xl/worksheets/sheet{len(titles)}.xml", "w") as part:
                part.write(f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
                letters: list[str] = []
                lines: list[str] = []
                for number, row in enumerate(rows, start=1):
                    if len(row) > len(letters):
                        letters = column_letters(len(row))
                    lines.append(f'<row r="{number}">'
                                 + "".join([cell(f"{letters[i]}{number}", v) for i, v in enumerate(row)])
                                 + "</row>")
                    if len(lines) >= flush_rows:
                        part.write("".join(lines).encode())
                        lines.clear()
                        if piece := sink.take():  # deflate keeps small writes until it has enough
                            yield piece
                part.write(("".join(lines) + "</sheetData></worksheet>").encode())
            if piece := sink.take():
                yield piece
        sheets_xml = "".join(f'<sheet name="{_attr(t)}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, t in enumerate(titles, start=1))
        archive.writestr("xl/workbook.xml", f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
                                            f'<sheets>{sheets_xml}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, len(titles) + 1))
        styles = f'<Relationship Id="rId{len(titles) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        archive.writestr("xl/_rels/workbook.xml.rels",
                         f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}{styles}</Relationships>')
    yield sink.take()
