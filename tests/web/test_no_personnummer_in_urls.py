"""No personnummer in a URL: every search that takes one is posted, so it never lands in a server or proxy log.

Two scans: every form in the templates (a GET form must have no field that asks for a personnummer), and
every GET route in app.url_map opened with personnummer-like query parameters (its page must be the
same as without them: no GET reads a personnummer, or a search text, from the query string).
"""
import re
from pathlib import Path

import pytest
from test_get_is_read_only import get_urls, world  # noqa: F401  (the fixture is used by name)

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
PNR = "19610831-2460"
PROBE = {"personnummer": PNR, "pnr": PNR, "q": PNR, "sok": PNR, "search": PNR, "s": PNR}
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)
_ASKS = re.compile(r"personnummer|pnr|samordningsnummer", re.I)


def get_forms_asking_for_a_personnummer(html: str) -> list[str]:
    """The fields of GET forms whose name, id, placeholder or label mention a personnummer."""
    found = []
    for attributes, body in _FORM.findall(html):
        method = re.search(r'method="(\w+)"', attributes)
        if method and method[1].lower() == "post":
            continue
        labels = dict(re.findall(r'<label[^>]*for="([^"]+)"[^>]*>(.*?)</label>', body, re.S))
        for _, field in _FIELD.findall(body):
            if 'type="hidden"' in field or 'type="submit"' in field:
                continue
            ident = re.search(r'\bid="([^"]+)"', field)
            text = field + (labels.get(ident[1], "") if ident else "")
            if _ASKS.search(text):
                found.append(field.strip())
    return found


def test_the_scan_finds_a_get_form_with_a_personnummer_field():
    """The premise: the scan below would catch the forms this change made posted."""
    before = ('<form method="get" class="filter"><label for="q">Filter</label>'
              '<input id="q" name="q" type="search" placeholder="Namn eller personnummer"></form>'
              '<form><label for="x">Invånarens personnummer</label><input id="x" name="x"></form>')
    assert len(get_forms_asking_for_a_personnummer(before)) == 2
    assert get_forms_asking_for_a_personnummer(before.replace("<form", '<form method="post"')) == []


def test_no_template_has_a_get_form_asking_for_a_personnummer():
    forms, found = 0, {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        forms += len(_FORM.findall(html))
        fields = get_forms_asking_for_a_personnummer(html)
        if fields:
            found[str(path.relative_to(TEMPLATES))] = fields
    assert forms > 30
    assert found == {}


def _normalised(html: str) -> str:
    """The page without what differs between two requests anyway (CSRF and form tokens, CSP nonces)."""
    html = re.sub(r'name="(csrf_token|stegvis-token)"([^>]*)value="[^"]*"', r'name="\1"\2', html)
    return re.sub(r'nonce="[^"]*"', "", html)


def test_no_get_route_reads_a_personnummer_from_the_query_string(app, client, world, login):
    """The world's patient is Jane Doe, 19610831-2460: the personnummer the probe asks for."""
    login(world["staff"])
    differs, opened = [], 0
    for endpoint, url in get_urls(app, world["ids"]):
        client.get(url)  # a first view may itself change the page (answers marked read, a TOTP secret made)
        plain = client.get(url)
        if plain.status_code != 200 or plain.mimetype != "text/html":
            continue
        opened += 1
        joiner = "&" if "?" in url else "?"
        probed = client.get(url + joiner + "&".join(f"{k}={v}" for k, v in PROBE.items()))
        if _normalised(probed.get_data(as_text=True)) != _normalised(plain.get_data(as_text=True)):
            differs.append(endpoint)
    assert opened > 20
    assert differs == [], differs


@pytest.mark.parametrize("path", ["/oversikt/alla", "/administration", "/administration/gallring"])
def test_the_searches_that_take_a_personnummer_are_posted(client, login, world, path):
    login(world["staff"])
    page = client.get(path).get_data(as_text=True)
    search = next(attrs for attrs, body in _FORM.findall(page) if 'role="search"' in attrs)
    assert 'method="post"' in search


def test_the_posted_filter_keeps_its_text_in_the_field_and_out_of_the_url(client, login, world):
    login(world["staff"])
    posted = client.post("/oversikt/alla", data={"q": PNR})
    location = posted.headers["Location"]
    assert posted.status_code == 302 and "sok=" in location and "19610831" not in location
    page = client.get(location).get_data(as_text=True)
    assert f'value="{PNR}"' in page and "Doe, Jane" in page and "Visar 1 invånare som matchar filtret" in page
    # a token the session does not hold (another browser's, a guessed one) shows the list unfiltered
    assert 'value=""' in client.get("/oversikt/alla?sok=gissad").get_data(as_text=True)
