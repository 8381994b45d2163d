"""The streamed XLSX export: the same sheets, header and cells (types included) as the CSV of the same export
and as openpyxl's write_only writer made of the same values; streamed before the rows are read; escaping."""
import csv
import io
from urllib.parse import parse_qsl

import pytest
from openpyxl import Workbook, load_workbook

import data_support
from web.services.operations import export as service
from web.services.operations import xlsx_stream

COMMENT = "=a<b & c>d \x01e\x1ff\r\ng"  # a formula, markup, control characters and a CR


@pytest.fixture
def data(db, make_unit, make_staff):
    built = data_support.build(db, make_unit, make_staff)
    data_support.add_answer(db, built["moments_a"][8], "uppfoljning-3m", {**data_support.SMOKING, "kommentar": COMMENT},
                            data_support.at(2025, 9, 21), score=2.5, module_id="steg-5", step_id="uppfoljning")
    db.session.commit()
    return built


#: an identified export that includes free text (the comment below is a free-text answer)
FREE_TEXT = "kind=answers&identifierad=ja&syfte=Kvalitetsuppföljning&fritext=ja"


@pytest.fixture
def dataadmin(make_staff, data):
    return make_staff("data.admin", roles="dataadmin", name="Dana Dataadmin", unit=data["units"][0])


def _csv(client, query):
    response = client.post("/export", data={**dict(parse_qsl(query)), "format": "csv"})
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline=""), delimiter=";"))


def _book(client, query):
    response = client.post("/export", data={**dict(parse_qsl(query)), "format": "xlsx"})
    assert response.status_code == 200 and response.is_streamed
    return load_workbook(io.BytesIO(response.data))


def _as_csv(value):
    """A cell as the CSV writes it: an empty text cell (None in the workbook) as ""."""
    return "" if value is None else str(value)


def test_moments_xlsx_has_the_csv_values_with_numbers_as_numbers(client, login, dataadmin):
    login(dataadmin)
    rows = _csv(client, "kind=moments")
    book = _book(client, "kind=moments")
    assert book.sheetnames == ["Moment"]
    cells = list(book["Moment"].iter_rows(values_only=True))
    assert list(cells[0]) == list(service.MOMENT_COLUMNS) == rows[0]
    assert len(cells) == len(rows) > 1
    numeric = {"moment", "moduler_avklarade", "moduler_totalt", "dagar_i_momentet"}
    for sheet_row, csv_row in zip(cells[1:], rows[1:]):
        assert [_as_csv(v) for v in sheet_row] == csv_row
        for column, value in zip(service.MOMENT_COLUMNS, sheet_row):
            expected = type(None) if value is None else int if column in numeric else str
            assert type(value) is expected, column


def test_answers_xlsx_has_one_sheet_per_form_with_the_csv_values(client, login, dataadmin):
    login(dataadmin)
    rows = _csv(client, FREE_TEXT)
    header, body = rows[0], rows[1:]
    book = _book(client, FREE_TEXT)
    forms = sorted({r[header.index("formular")] for r in body})
    assert book.sheetnames == forms == ["ftnd", "uppfoljning-3m"]
    for form in forms:
        cells = list(book[form].iter_rows(values_only=True))
        columns = list(cells[0])
        assert columns[:len(service.ANSWER_COLUMNS)] == list(service.ANSWER_COLUMNS)
        expected = [r for r in body if r[header.index("formular")] == form]
        assert len(cells) == 1 + len(expected)
        for sheet_row, csv_row in zip(cells[1:], expected):
            for column, value in zip(columns, sheet_row):
                name = column if column in service.ANSWER_COLUMNS else f"{form}.{column}"
                want = csv_row[header.index(name)]
                if column == "moment":
                    assert type(value) is int and str(value) == want
                elif column == "poang" and want:  # a whole score reads back as an int, as openpyxl wrote it
                    assert value == float(want) and type(value) is (int if float(want).is_integer() else float)
                else:
                    assert value is None and want == "" or value == xlsx_stream.ILLEGAL.sub("", want), (name, value)
    follow_up = list(book["uppfoljning-3m"].iter_rows(values_only=True))
    comments = {r[follow_up[0].index("kommentar")] for r in follow_up[1:]}
    assert "'=a<b & c>d ef\r\ng" in comments  # neutralised as in the CSV, escaped, control characters left out


def test_the_first_piece_leaves_before_any_answer_is_read(client, login, dataadmin, monkeypatch):
    read = []
    records = service.answer_records

    def spy(req):
        for record in records(req):
            read.append(record)
            yield record

    monkeypatch.setattr(service, "answer_records", spy)
    login(dataadmin)
    response = client.post("/export", data={"kind": "answers", "format": "xlsx"})
    assert response.is_streamed
    pieces = iter(response.response)
    first = next(pieces)
    assert first.startswith(b"PK") and read == []
    rest = b"".join(pieces)
    assert len(read) == 19  # unit A: 10 Fagerström + 9 follow-ups
    assert load_workbook(io.BytesIO(first + rest)).sheetnames == ["ftnd", "uppfoljning-3m"]


def test_the_writer_hands_out_pieces_while_the_rows_are_read():
    read = []

    def rows():
        yield ["n"]
        for n in range(1, 2001):
            read.append(n)
            yield [n]

    pieces = xlsx_stream.xlsx_chunks([("Blad", rows())], flush_rows=100)
    next(pieces)
    seen = []
    for piece in pieces:
        seen.append(len(read))
        assert piece
    assert seen[0] < 2000 and seen[-1] == 2000


def _read(data):
    book = load_workbook(io.BytesIO(data))
    return {name: [list(r) for r in book[name].iter_rows(values_only=True)] for name in book.sheetnames}


@pytest.mark.sqlite_only
def test_the_writer_makes_the_cells_openpyxl_made_of_the_same_values():
    long = "x" * 40000
    sheets = {"Första": [["a", "b", "c", "d"], [1, 2.5, "text", None], [None, 0, "", " space "],
                         [-3, 5.0, "<&>\"'", "ja"], [12345678901, 1e-7, long, "1"], ["=1+1"]],
              "Andra": [["x"]], "A" * 40: [["y"], [7]]}
    reference = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = reference.create_sheet(title[:31])
        for row in rows:
            sheet.append(row)
    old = io.BytesIO()
    reference.save(old)
    new = b"".join(xlsx_stream.xlsx_chunks(list(sheets.items())))
    assert _read(new) == _read(old.getvalue())
    types = [[type(v) for v in row] for row in _read(new)["Första"]]
    assert types == [[type(v) for v in row] for row in _read(old.getvalue())["Första"]]
    assert _read(new)["Första"][4][2] == "x" * 32767


@pytest.mark.sqlite_only
def test_text_is_escaped_and_control_characters_left_out():
    value = "<tag> & \"q\"\x00\x08\x0b\x0c\x0e\x1f\t\n\r"
    data = b"".join(xlsx_stream.xlsx_chunks([("S<&>", [[value], ["  ", "\x02"]])]))
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["S<&>"]
    assert [list(r) for r in book["S<&>"].iter_rows(values_only=True)] == [["<tag> & \"q\"\t\n\r"], ["  "]]


def test_a_spreadsheet_program_reads_the_streamed_answers_workbook(client, login, dataadmin, tmp_path):
    """LibreOffice (headless, installed by the test command) opens the streamed file and reads each form's
    sheet to the rows the CSV export has for that form: the file is a workbook a real program accepts."""
    import subprocess

    login(dataadmin)
    rows = _csv(client, "kind=answers")
    header, body = rows[0], rows[1:]
    (tmp_path / "svar.xlsx").write_bytes(client.post("/export", data={"kind": "answers", "format": "xlsx"}).data)
    # UTF-8 (76), comma-separated, every sheet to its own file (the last option, -1)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(tmp_path), str(tmp_path / "svar.xlsx")],
                   check=True, capture_output=True, timeout=120)
    for form in ("ftnd", "uppfoljning-3m"):
        with open(tmp_path / f"svar-{form}.csv", encoding="utf-8", newline="") as f:
            sheet = list(csv.reader(f))
        columns = sheet[0]
        expected = [r for r in body if r[header.index("formular")] == form]
        assert len(sheet) == 1 + len(expected) > 1
        for sheet_row, csv_row in zip(sheet[1:], expected):
            for column, value in zip(columns, sheet_row):
                name = column if column in service.ANSWER_COLUMNS else f"{form}.{column}"
                want = csv_row[header.index(name)]
                if "\x01" in want or "\r" in want:  # characters a workbook cannot hold are left out
                    want = want.replace("\x01", "").replace("\x1f", "")
                if _number(want) is not None:  # a number is a number cell: shown as the program formats it
                    assert _number(value) == _number(want), (form, column, value, want)
                else:
                    assert value.replace("\r\n", "\n") == want.replace("\r\n", "\n"), (form, column)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None
