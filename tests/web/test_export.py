"""Export: CSV (BOM, ;, formula injection), XLSX read back, FHIR R4 validated, pseudonyms, logging, CLI."""
import csv
import io
import json
import re

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from openpyxl import load_workbook

import data_support
from web.models import ExportLog
from web.services.operations.export import pseudonym


@pytest.fixture
def data(db, make_unit, make_staff):
    built = data_support.build(db, make_unit, make_staff)
    last = built["moments_a"][9]
    data_support.add_answer(db, last, "uppfoljning-3m", {**data_support.SMOKING, "kommentar": FREE_TEXT},
                            data_support.at(2025, 9, 20), module_id="steg-5", step_id="uppfoljning")
    db.session.commit()
    return built


@pytest.fixture
def dataadmin(make_staff, data):
    return make_staff("data.admin", roles="dataadmin", name="Dana Dataadmin", unit=data["units"][0])


#: a text answer that identifies its writer, and a formula a spreadsheet must not run
FREE_TEXT = "=HYPERLINK(\"x\") Jag heter Frida Fritext, ring 070-1234567"
WITH_FREE_TEXT = {"identifierad": "ja", "syfte": "Kvalitetsuppföljning 2026", "fritext": "ja"}


def _csv(response):
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))


def test_answers_csv_is_pseudonymised_one_row_per_submitted_form_and_formula_safe(client, login, dataadmin, app):
    login(dataadmin)
    rows = _csv(client.post("/export", data={"kind": "answers", "format": "csv"}))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["invanare", "moment", "program"] and "uppfoljning-3m.tobak_7_dagar" in header
    # unit A: 10 Fagerström + 9 follow-ups (8 + the one added above); units B and C have none
    assert len(body) == 19
    text = "\n".join(";".join(r) for r in rows)
    assert "19700101" not in text and "Efternamn" not in text
    key = app.config["SECRET_KEY"].encode()
    assert pseudonym("197001010094", key) in {r[0] for r in body}
    assert "uppfoljning-3m.kommentar" not in header and "Fritext" not in text and "070-1234567" not in text
    log = ExportLog.query.one()
    assert (log.user_name, log.kind, log.format, log.rows, log.identified) == ("Dana Dataadmin", "answers", "csv",
                                                                                19, False)


def test_answers_xlsx_has_one_sheet_per_form_and_reads_back(client, login, dataadmin):
    login(dataadmin)
    response = client.post("/export", data={"kind": "answers", "format": "xlsx", "program": "tobakshjalpen"})
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == ["ftnd", "uppfoljning-3m"]
    follow_up = list(book["uppfoljning-3m"].iter_rows(values_only=True))
    assert follow_up[0][:2] == ("invanare", "moment") and "tobak_7_dagar" in follow_up[0]
    assert len(follow_up) == 1 + 9
    column = follow_up[0].index("tobak_7_dagar")
    assert sorted(r[column] for r in follow_up[1:]) == ["ja"] * 3 + ["nej"] * 6
    assert len(list(book["ftnd"].iter_rows(values_only=True))) == 11


def test_fhir_ndjson_validates_and_responses_reference_their_questionnaire(client, login, dataadmin):
    login(dataadmin)
    response = client.post("/export", data={"kind": "answers", "format": "fhir", "program": "tobakshjalpen"})
    assert response.mimetype == "application/fhir+ndjson"
    resources = [json.loads(line) for line in response.data.decode().splitlines()]
    questionnaires = [Questionnaire.model_validate(r) for r in resources if r["resourceType"] == "Questionnaire"]
    answers = [QuestionnaireResponse.model_validate(r) for r in resources
               if r["resourceType"] == "QuestionnaireResponse"]
    assert len(answers) == 19
    urls = {f"{q.url}|{q.version}" for q in questionnaires}
    assert {a.questionnaire for a in answers} <= urls
    follow = next(q for q in questionnaires if q.id == "tobakshjalpen-uppfoljning-3m")
    how_often = next(i for i in follow.item if i.linkId == "hur_ofta_nu")
    assert how_often.type == "choice" and how_often.enableWhen[0].question == "tobak_7_dagar"
    assert how_often.enableWhen[0].answerBoolean is True
    assert all(a.subject.identifier.system.endswith("/pseudonym") for a in answers)


def test_identified_export_needs_a_purpose_and_logs_it(client, login, dataadmin):
    login(dataadmin)
    refused = client.post("/export", data={"kind": "moments", "format": "csv", "identifierad": "ja"})
    assert refused.status_code == 422 and "Ange syftet" in refused.get_data(as_text=True)
    assert ExportLog.query.count() == 0
    rows = _csv(client.post("/export", data={"kind": "moments", "format": "csv", "identifierad": "ja", "syfte": "Kvalitetsuppföljning 2026"}))
    assert "197001010003" in {r[-1] for r in rows[1:]} and len(rows) == 11
    log = ExportLog.query.one()
    assert log.identified and log.purpose == "Kvalitetsuppföljning 2026" and log.rows == 10
    assert "Kvalitetsuppföljning 2026" in client.get("/export").get_data(as_text=True)


def test_free_text_is_in_an_identified_export_only_when_the_dataadmin_includes_it(client, login, dataadmin):
    login(dataadmin)
    identified = {"kind": "answers", "format": "csv", "identifierad": "ja", "syfte": "Kvalitetsuppföljning 2026"}
    without = _csv(client.post("/export", data=identified))
    assert "uppfoljning-3m.kommentar" not in without[0] and "Fritext" not in str(without)
    rows = _csv(client.post("/export", data={"kind": "answers", "format": "csv", **WITH_FREE_TEXT}))
    comment = rows[0].index("uppfoljning-3m.kommentar")
    assert "'" + FREE_TEXT in {r[comment] for r in rows[1:]}  # neutralised: a spreadsheet does not run it
    assert [log.filters.get("free_text") for log in ExportLog.query.order_by(ExportLog.id)] == [None, True]


def test_free_text_without_an_identified_export_is_refused(client, login, dataadmin):
    login(dataadmin)
    refused = client.post("/export", data={"kind": "answers", "format": "csv", "fritext": "ja"})
    assert refused.status_code == 422
    assert "Fritext kräver export med personnummer." in refused.get_data(as_text=True)
    assert ExportLog.query.count() == 0


@pytest.mark.parametrize("fmt", ["xlsx", "fhir"])
def test_xlsx_and_fhir_leave_free_text_out_unless_included(client, login, dataadmin, fmt):
    login(dataadmin)

    def texts(extra):
        data = client.post("/export", data={"kind": "answers", "format": fmt, **extra}).data
        if fmt == "fhir":
            return data.decode()
        book = load_workbook(io.BytesIO(data), read_only=True)
        return str([list(sheet.iter_rows(values_only=True)) for sheet in book])

    pseudonymised = texts({})
    assert "Fritext" not in pseudonymised and "070-1234567" not in pseudonymised
    assert "'kommentar'" not in pseudonymised and '"linkId": "kommentar", "answer"' not in pseudonymised
    assert "Frida Fritext" not in texts({"identifierad": "ja", "syfte": "Kvalitetsuppföljning 2026"})
    assert "Frida Fritext, ring 070-1234567" in texts(WITH_FREE_TEXT)


def test_a_get_shows_the_form_and_exports_nothing(client, login, dataadmin):
    """A link from another site (a top-level GET, which SameSite=Lax lets through) runs no export."""
    login(dataadmin)
    response = client.get("/export?kind=moments&format=csv&identifierad=ja&syfte=Angriparens syfte här")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Angriparens syfte" not in response.get_data(as_text=True)
    assert 'method="post"' in response.get_data(as_text=True)
    assert ExportLog.query.count() == 0


def test_an_export_post_without_the_csrf_token_is_refused(app_config, dataadmin):
    from stegvis_testing import PASSWORD
    from web import create_app
    from web.extensions import db

    app_config["WTF_CSRF_ENABLED"] = True
    app = create_app(app_config)
    client = app.test_client()

    def token(path):
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True))[1]

    client.post("/logga-in", data={"username": "data.admin", "password": PASSWORD, "csrf_token": token("/logga-in")})
    assert client.post("/export", data={"kind": "moments", "format": "csv"}).status_code == 400
    assert ExportLog.query.count() == 0
    accepted = client.post("/export", data={"kind": "moments", "format": "csv", "csrf_token": token("/export")})
    assert accepted.status_code == 200 and accepted.mimetype == "text/csv" and accepted.data.startswith(b"\xef\xbb\xbf")
    assert ExportLog.query.count() == 1
    with app.app_context():
        db.engine.dispose()  # this second app's pool, so no connection is left to the garbage collector


def test_export_is_for_dataadmin_only(client, login, data):
    login(data["clinicians"][0])
    assert client.post("/export", data={"kind": "answers", "format": "csv"}).status_code == 403


def test_cli_exports_every_unit_to_a_file_and_logs_it(app, data, tmp_path):
    from click.testing import CliRunner

    from commands.data.records import export_command

    out = tmp_path / "svar.xlsx"
    result = CliRunner().invoke(export_command, ["--format", "xlsx", "--from", "2025-06-01", "--to", "2025-06-30",
                                                 "--out", str(out)], obj=app)
    assert result.exit_code == 0, result.output
    assert "10 rader" in result.output
    assert load_workbook(out, read_only=True).sheetnames == ["ftnd"]
    refused = CliRunner().invoke(export_command, ["--format", "csv", "--identified", "--out", str(out)], obj=app)
    assert refused.exit_code == 1
    assert ExportLog.query.count() == 1
