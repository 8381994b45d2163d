"""Every patient page in English and in Arabic carries no Swedish interface text: the text of every element
outside the regions marked lang="sv" (program texts that fall back to Swedish) is checked against the
Swedish msgids of web/translations and a list of common Swedish words. The pages are HTML-validated too."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from patient_support import JOHN, html_text, open_activity_plan, token_of

pytestmark = pytest.mark.sqlite_only

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"
#: words of the patient interface that must never show untranslated (whole words, any case)
SWEDISH_WORDS = ("och", "är", "för", "inte", "att", "du", "har", "eller", "med", "till", "av", "på", "ett", "en",
                 "spara", "skicka", "avsnitt", "ämne", "meddelande", "meddelanden", "lösenord", "logga", "välj",
                 "moduler", "hoppa", "måste", "besvaras", "fortsätt", "inställningar", "aktiviteter", "utkast",
                 "formulär", "dagar", "kvar", "tillbaka", "svar", "byt", "nytt", "olästa", "avbryt")
#: attributes whose values are read out or shown
TEXT_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
#: a third valid personnummer: a patient who has not activated the account yet
TOLVAN = "191212121212"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Texts(HTMLParser):
    """Collect text and text attributes outside elements marked lang="sv…" (and outside script/style)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped: inside lang="sv" or script/style)
        self.texts: list[str] = []
        #: the <title>: plain text, so a program title that falls back to Swedish cannot be marked in it
        self.title: list[str] = []

    def _skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = self._skipped() or (attrs.get("lang") or "").startswith("sv") or tag in ("script", "style")
        if not skipped:
            self.texts.extend(attrs[a] for a in TEXT_ATTRIBUTES if attrs.get(a))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        while self.stack:  # tolerate an unclosed <p>/<li>: pop to the matching tag
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            (self.title if self.stack and self.stack[-1][0] == "title" else self.texts).append(" ".join(data.split()))


def interface_texts(html: str) -> tuple[list[str], list[str]]:
    """The texts of a page outside its Swedish regions, and its <title>."""
    parser = _Texts()
    parser.feed(html)
    return parser.texts, parser.title


def _msgid_pattern(msgid: str) -> re.Pattern:
    parts = re.split(r"%\(\w+\)[sd]", msgid)
    body = r".+?".join(re.escape(part) for part in parts)
    return re.compile(rf"(?<!\w){body}(?!\w)")


@pytest.fixture(scope="module")
def swedish_msgids():
    """language → patterns of the msgids whose translation differs from the Swedish (so showing them is a miss)."""
    found = {}
    for language in ("en", "ar"):
        with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
            catalog = read_po(f, locale=language)
        patterns = []
        for m in catalog:
            if not m.id:
                continue
            for msgid, msgstr in zip(m.id if isinstance(m.id, tuple) else (m.id,),
                                     m.string if isinstance(m.string, tuple) else (m.string,)):
                if msgid != msgstr:
                    patterns.append((msgid, _msgid_pattern(msgid)))
        found[language] = patterns
    return found


def swedish_in(html: str, patterns) -> list[str]:
    """What looks Swedish on the page outside lang="sv": msgids shown as they are, and common Swedish words."""
    hits = []
    words = re.compile(r"(?<!\w)(" + "|".join(SWEDISH_WORDS) + r")(?!\w)", re.IGNORECASE)
    texts, title = interface_texts(html)
    for text in texts + title:
        hits.extend(f"msgid {msgid!r} in {text!r}" for msgid, pattern in patterns if pattern.search(text))
    for text in texts:  # not the <title>'s words: a program title that falls back to Swedish cannot be marked there
        hits.extend(f"word {w.group(0)!r} in {text!r}" for w in words.finditer(text))
    return hits


def test_the_checker_finds_swedish_outside_swedish_regions_only(swedish_msgids):
    page = ('<html lang="en"><body><p>Avsnitt</p><p aria-label="Du är här">x</p>'
            '<div lang="sv"><h2>Vanliga besvär och råd</h2></div><p>3 olästa</p><p>Sections</p>'
            '<p>Read <bdi>the text</bdi> och more</p></body></html>')
    hits = swedish_in(page, swedish_msgids["en"])
    assert "msgid 'Avsnitt' in 'Avsnitt'" in hits
    assert "msgid 'Du är här' in 'Du är här'" in hits
    assert "msgid '%(num)d oläst' in '3 olästa'" not in hits and "msgid '%(num)d olästa' in '3 olästa'" in hits
    assert "word 'och' in 'och more'" in hits
    assert not [h for h in hits if "Vanliga" in h or "Sections" in h]


@pytest.fixture
def patient_pages(app, client, db, clock, start, patient_login, clinician):
    """language → [(what, status, html)] of every patient page: login and activation before logging in, then
    the program list, home, each visible module and each of its steps, a step's and a form page's errors,
    messages (list, new with errors, a conversation), activities, Inställningar, Byt lösenord (with errors),
    an error page and an ended moment."""
    from web.models import Notice
    from web.services.clinician import moments
    from web.services.core import messages

    membership = clinician.memberships[0]
    start("tobakshjalpen", personnummer=TOLVAN, password=None, first_name="Tolvan", email="tolvan@example.se")
    activation = db.session.execute(db.select(Notice.context).where(Notice.template == "patient_activation")
                                    ).scalar_one()["path"]
    john = start("tobakshjalpen", personnummer=JOHN, first_name="John")
    enrollment = start("tobakshjalpen")
    # words people write are theirs: no Swedish in them here, so every Swedish word found is the interface's
    conversation = messages.send_as_clinician(enrollment, body="Hello Jane!", user=clinician, membership=membership,
                                              now=clock(), subject="Hello")[0].conversation_id
    moments.start_battery(enrollment, "uppfoljning-3-manader", user=clinician, membership=membership, now=clock())
    open_activity_plan(enrollment, clinician, clock(), "Walk", "How did it feel?", "What did you do?", "Welcome!")
    moments.end_moment(john, "genomford", user=clinician, membership=membership, now=clock())
    base = f"/stod-och-behandling/{enrollment.id}"

    def visit(language):
        pages = []

        def get(url, expect=200):
            response = client.get(url)
            assert response.status_code == expect, url
            pages.append((url, html_text(response)))
            return html_text(response)

        def post(url, data, expect):
            response = client.post(url, data=data)
            assert response.status_code == expect, url
            pages.append((f"POST {url}", html_text(response)))

        get(f"/invanare/logga-in?sprak={language}")
        post(f"/invanare/logga-in?sprak={language}", {"personnummer": "19610831-2460", "password": "fel"}, 200)
        get(f"{activation}?sprak={language}")
        patient_login()
        client.post("/invanare/installningar", data={"language": language, "mobile": "", "email": ""})
        get("/stod-och-behandling/")
        home = get(f"{base}/")
        for module_url in sorted(set(re.findall(rf'href="({re.escape(base)}/modul/[\w-]+/)"', home))):
            module = get(module_url)
            for step in sorted(set(re.findall(rf'href="({re.escape(module_url)}[\w-]+)"', module))):
                get(step)
        motivation = get(f"{base}/modul/steg-1/motivation")
        post(f"{base}/modul/steg-1/motivation/formular/skal",
             {"stegvis-atgard": "skicka", "stegvis-token": token_of(motivation, "skal")}, 422)
        form_page = get(f"{base}/formular/uppfoljning-3m")
        post(f"{base}/formular/uppfoljning-3m", {"stegvis-atgard": "skicka",
                                                 "stegvis-token": token_of(form_page, "uppfoljning-3m")}, 422)
        get(f"{base}/meddelanden/")
        get(f"{base}/meddelanden/ny")
        post(f"{base}/meddelanden/ny", {"subject": "", "body": ""}, 422)
        get(f"{base}/meddelanden/{conversation}")
        get(f"{base}/aktiviteter/")
        get("/invanare/installningar")
        get(f"/stod-och-behandling/{john.id}/", expect=404)  # not hers: the error page
        get("/invanare/installningar/losenord")
        post("/invanare/installningar/losenord", {"current": "fel", "new": "kort", "confirm": "annat"}, 422)
        client.post("/invanare/logga-ut")
        get("/invanare/logga-in")  # after logging out: still in the patient's language, with "logged out"
        patient_login(JOHN)
        client.post("/invanare/installningar", data={"language": language, "mobile": "", "email": ""})
        get(f"/stod-och-behandling/{john.id}/")
        client.post("/invanare/logga-ut")
        return pages

    return visit


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_patient_page_shows_swedish_interface_text(patient_pages, swedish_msgids, language, html_pages):
    pages = patient_pages(language)
    assert len(pages) >= 30
    problems = {}
    for url, html in pages:
        html_pages.add(html, f"{language} {url}")  # and valid HTML (tests/html_validator.py, at the session's end)
        assert f'<html lang="{language}"' in html, url
        hits = swedish_in(html, swedish_msgids[language])
        if hits:
            problems[url] = sorted(set(hits))
    assert problems == {}
