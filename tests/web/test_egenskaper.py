"""Egenskaper (issue 13, point 8): the moment's properties on one page, read by staff and access-logged."""
from web.models import AccessLog


def test_egenskaper_lists_the_moments_properties(client, login, clinician, moment, db, make_moment, clock):
    login(clinician)
    clock.advance(days=1)
    second = make_moment()
    client.post(f"/moment/{moment.id}/lanka", data={"other": second.id})
    client.post(f"/moment/{moment.id}/avsluta", data={"reason": "genomford", "maintain": "1", "until": "2026-04-30",
                                                      "confirm": "1"})
    response = client.get(f"/moment/{moment.id}/egenskaper")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for fact in ("<dt>Program</dt><dd>Tobakshjälpen</dd>",
                 "<dt>Vårdenhet</dt><dd>Region Jönköpings län, Utbildningsenhet</dd>",
                 "<dt>Ansvarig behandlare</dt><dd>Marita Andersson</dd>",
                 "<dt>Startat av</dt><dd>Marita Andersson</dd>",
                 "<dt>Moment startade</dt><dd>2026-03-02 09:00</dd>",
                 "<dt>Status</dt><dd>Vidmakthåll</dd>",
                 "<dt>Avslutningsorsak</dt><dd>Genomförd behandling</dd>",
                 "<dt>Avslutat</dt><dd>2026-03-03 09:00</dd>",
                 "<dt>Vidmakthåll till och med</dt><dd>2026-04-30</dd>"):
        assert fact in page, fact
    assert f'href="/moment/{second.id}/egenskaper"' in page
    assert "En nyare version" not in page
    assert db.session.execute(db.select(AccessLog.what).order_by(AccessLog.id.desc()).limit(1)).scalar_one() == \
        "Egenskaper"


def test_egenskaper_says_what_changed_in_a_newer_installed_version(client, login, clinician, moment, app, programs):
    from dataclasses import replace

    old = programs["tobakshjalpen"]
    newer = replace(old, version="9.9", digest="f" * 64, title="Tobakshjälpen 2")
    from web.content.programs import EXTENSION_KEY

    app.extensions[EXTENSION_KEY]["tobakshjalpen"] = newer  # this app's own copy of the registry
    login(clinician)
    page = client.get(f"/moment/{moment.id}/egenskaper").get_data(as_text=True)
    assert "En nyare version (9.9) finns installerad" in page
    changes = page.split('id="nyare-version"', 1)[1].split("</section>")[0]
    assert "<li>program text changed (title)</li>" in changes
