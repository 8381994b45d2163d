"""Separation of duties: nobody changes their own roles; only another Behörighetsadmin grants Behörighetsadmin;
refused attempts and changes are both in the audit log."""
import pytest

from web.models import AuditEvent
from web.services.clinician import staff
from web.services.errors import ServiceError


def _audit(db):
    return [(e.kind, e.actor_name, e.subject_name, e.what) for e in
            db.session.execute(db.select(AuditEvent).where(AuditEvent.kind.in_(["roles_changed", "roles_refused"]))
                               .order_by(AuditEvent.id)).scalars()]


def test_an_admin_cannot_give_themself_a_role(client, login, make_staff, db):
    admin = make_staff("admin", roles="behorighetsadmin", name="Ada Admin")
    login(admin)
    own = admin.memberships[0]
    page = client.post("/anvandargrupper", data={"membership": own.id, "roles": ["behorighetsadmin", "dataadmin"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "Du kan inte ändra dina egna roller. Be en annan Behörighetsadmin." in page
    db.session.refresh(own)
    assert own.role_set == {"behorighetsadmin"}
    assert _audit(db) == [("roles_refused", "Ada Admin", "Ada Admin",
                           "Rolländring nekad: Du kan inte ändra dina egna roller. Be en annan Behörighetsadmin.")]
    # the page offers no form for one's own roles
    assert f'name="membership" value="{own.id}"' not in client.get("/anvandargrupper").get_data(as_text=True)


def test_another_behorighetsadmin_grants_behorighetsadmin(client, login, make_staff, clinician, db):
    login(make_staff("admin", roles="behorighetsadmin", name="Ada Admin"))
    member = clinician.memberships[0]
    client.post("/anvandargrupper", data={"membership": member.id, "roles": ["behandlare", "behorighetsadmin"]})
    db.session.refresh(member)
    assert member.role_set == {"behandlare", "behorighetsadmin"}
    assert _audit(db) == [("roles_changed", "Ada Admin", "Marita Andersson",
                           "Roller: Behandlare → Behörighetsadmin, Behandlare")]


def test_only_a_behorighetsadmin_of_the_unit_grants_behorighetsadmin(make_staff, clinician, unit, other_unit, db,
                                                                      clock):
    """The service holds the rule whoever calls it: an admin of another unit, or nobody, cannot grant it."""
    elsewhere = make_staff("annan.admin", roles="behorighetsadmin", name="Annan Admin", unit=other_unit)
    member = clinician.memberships[0]
    for actor in (elsewhere, None):
        with pytest.raises(ServiceError, match="Bara en annan Behörighetsadmin i vårdenheten"):
            staff.set_roles(member, ["behandlare", "behorighetsadmin"], actor=actor, now=clock())
    db.session.refresh(member)
    assert member.role_set == {"behandlare"}
    assert [k for k, *_ in _audit(db)] == ["roles_refused", "roles_refused"]
    staff.set_roles(member, ["behandlare", "invanaradmin"], actor=elsewhere, now=clock())  # other roles: allowed
    db.session.refresh(member)
    assert member.role_set == {"behandlare", "invanaradmin"}
