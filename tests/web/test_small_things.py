"""Issue 25's small things: compressed responses, a favicon, a meta description, Statistik's month inputs,
the statistics definitions inside the app, and a sentence instead of an empty chart."""
import gzip

import brotli
import pytest

from html_assert import elements


def test_pages_are_compressed_for_browsers_that_accept_it(client):
    plain = client.get("/logga-in")
    assert plain.headers.get("Content-Encoding") is None
    zipped = client.get("/logga-in", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    squeezed = client.get("/logga-in", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert squeezed.headers["Content-Encoding"] == "br"
    assert brotli.decompress(squeezed.data) == plain.data
    assert len(squeezed.data) < len(plain.data) / 2
    assert "Accept-Encoding" in squeezed.headers["Vary"]


def test_css_is_compressed_too(client):
    response = client.get("/static/style.css", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b"--primary" in brotli.decompress(b"".join(response.response))
    response.close()


def test_favicon_ico_is_a_real_icon_and_pages_name_both_icons(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # the ICO signature
    assert icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    icon.close()
    page = client.get("/logga-in").get_data(as_text=True)
    assert elements(page, "link", rel="icon", type="image/svg+xml")
    svg = client.get(elements(page, "link", rel="icon", type="image/svg+xml")[0]["href"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    svg.close()


def test_every_page_has_a_meta_description_in_its_language(client):
    page = client.get("/logga-in").get_data(as_text=True)
    assert elements(page, "meta", name="description",
                    content="Stegvis: stöd och behandling på nätet, steg för steg.")


def test_statistik_picks_a_calendar_period_from_a_list_and_links_its_definitions(client, login, clinician):
    login(clinician)
    page = client.get("/statistik").get_data(as_text=True)
    # calendar periods only (disclosure control): a labelled list, no free month inputs with placeholders
    assert not elements(page, "input", name="fran") and not elements(page, "input", name="till")
    (period,) = elements(page, "select", name="period")
    assert period["id"] == "period" and '<label for="period">Period</label>' in page
    assert "placeholder" not in page
    assert "docs/statistics.md" not in page
    assert 'href="/statistik/definitioner"' in page


def test_the_statistics_definitions_are_a_page_in_the_app(client, login, clinician):
    login(clinician)
    page = client.get("/statistik/definitioner")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1>Statistik: vad varje siffra betyder</h1>" in html
    assert "<h2>Privacy: disclosure control that survives differencing</h2>" in html and "<table>" in html
    assert "<script" not in html.split("<main", 1)[1]


@pytest.mark.app_config(STATISTICS_DEFINITIONS="/nonexistent/statistics.md")
def test_missing_definitions_say_which_setting_names_them(client, login, clinician):
    login(clinician)
    page = client.get("/statistik/definitioner")
    assert page.status_code == 404 and "STEGVIS_STATISTICS_DEFINITIONS" in page.get_data(as_text=True)


def test_a_chart_whose_every_cell_is_suppressed_is_a_sentence(client, login, clinician, make_moment):
    make_moment()  # one moment: every count is "< 5"
    login(clinician)
    page = client.get("/statistik").get_data(as_text=True)
    assert "Inget diagram: alla värden bygger på färre än 5 invånare" in page
    assert "<svg" not in page
