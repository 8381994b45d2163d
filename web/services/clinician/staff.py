"""Staff accounts: login rate limiting, profiles, members of a care unit, their roles and HSA-ids."""
from __future__ import annotations

from datetime import UTC, datetime

from ...extensions import db
from ...models import ROLES, CareUnit, Membership, User
from ...auth.core.passwords import hash_password
from ... import limits
from ...auth.core import password_policy
from ...auth.core import sessions
from ...contact import contact_errors
from ..core import audit
from ..core.oidc_accounts import flush_hsa_id, hsa_id_problem, normalise_hsa_id
from ..errors import ServiceError

#: an address may fail this many times more than one user name (a shared office NAT)
IP_FACTOR = 4
NOT_ADDED = "Personen kunde inte läggas till."
HSA_ID_NOT_SAVED = "HSA-id:t kunde inte sparas."


def update_profile(user: User, *, email: str | None, mobile: str | None, notify_email: bool, notify_sms: bool) -> None:
    """Save contact details and notice settings (Min profil); a notice needs its address."""
    errors = contact_errors(email=email, mobile=mobile)
    if notify_email and not email:
        errors["email"] = "Ange en e-postadress för att få e-postaviseringar."
    if notify_sms and not mobile:
        errors["mobile"] = "Ange ett mobilnummer för att få sms-aviseringar."
    if errors:
        raise ServiceError("Profilen kunde inte sparas.", errors)
    user.email, user.mobile = email or None, mobile or None
    user.notify_email, user.notify_sms = notify_email, notify_sms
    db.session.commit()


def _check_roles(roles: list[str] | set[str]) -> str:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ServiceError(f"Okänd roll: {', '.join(sorted(unknown))}")
    if not roles:
        raise ServiceError("Välj minst en roll.")
    return " ".join(code for code in ROLES if code in roles)


def create_staff(unit: CareUnit, *, username: str, name: str, password: str | None, roles: list[str],
                 email: str | None = None, mobile: str | None = None, hsa_id: str | None = None,
                 actor: User | None = None, now: datetime | None = None) -> User:
    """Create a staff account working in `unit` with `roles` (Personal → Lägg till); `hsa_id` (optional)
    is how a SITHS login through OpenID Connect finds the account."""
    username = username.strip().lower()
    hsa_id = normalise_hsa_id(hsa_id)
    errors = {}
    if not username:
        errors["username"] = "Ange ett användarnamn."
    elif db.session.execute(db.select(User.id).where(User.username == username)).first():
        errors["username"] = "Användarnamnet finns redan."
    errors.update(contact_errors(email=(email or "").strip(), mobile=(mobile or "").strip()))
    if not name.strip():
        errors["name"] = "Ange namn."
    elif len(name.strip()) > limits.MAX_STAFF_NAME:
        errors["name"] = f"Namnet får vara högst {limits.MAX_STAFF_NAME} tecken."
    reason = password_policy.problem(password, personal=(username,)) if password is not None else None
    if reason:
        errors["password"] = reason
    if problem := hsa_id_problem(hsa_id, None):
        errors["hsa_id"] = problem
    if errors:
        raise ServiceError(NOT_ADDED, errors)
    user = User(username=username, name=name.strip(), email=email or None, mobile=mobile or None, hsa_id=hsa_id,
                password_hash=hash_password(password) if password else None)
    user.memberships.append(Membership(care_unit=unit, roles=_check_roles(roles)))
    db.session.add(user)
    flush_hsa_id(hsa_id, NOT_ADDED)
    what = f"Personal tillagd: {user.name} ({user.username}), roller: {_role_names(user.memberships[0].role_set)}"
    audit.record("staff_created", now or datetime.now(UTC), account=user, actor=actor, care_unit_id=unit.id,
                 what=what + (f", HSA-id: {hsa_id}" if hsa_id else ""))
    db.session.commit()
    return user


OWN_ROLES = "Du kan inte ändra dina egna roller. Be en annan Behörighetsadmin."
ADMIN_BY_ADMIN = "Bara en annan Behörighetsadmin i vårdenheten kan ge rollen Behörighetsadmin."


def _role_names(codes) -> str:
    return ", ".join(label for code, label in ROLES.items() if code in codes) or "inga"


def set_roles(membership: Membership, roles: list[str], *, actor: User | None = None,
              now: datetime | None = None) -> None:
    """Replace a member's roles in a unit (Användargrupper); audited, and a removed role ends the
    member's sessions at once. Separation of duties: nobody changes their own roles, and Behörighetsadmin
    is granted only by another Behörighetsadmin of the unit; a refused attempt is audited too."""
    new_roles = _check_roles(roles)
    old = membership.role_set
    when = now or datetime.now(UTC)
    if actor is not None and actor.id == membership.user_id:
        _refuse(membership, actor, when, OWN_ROLES)
    granted = set(new_roles.split()) - old
    if "behorighetsadmin" in granted:
        granter = actor.membership(membership.care_unit_id) if actor is not None else None
        if granter is None or "behorighetsadmin" not in granter.role_set:
            _refuse(membership, actor, when, ADMIN_BY_ADMIN)
    removed = old - set(new_roles.split())
    membership.roles = new_roles
    if removed:
        sessions.revoke(membership.user.get_id(), commit=False)
    if old != membership.role_set:
        audit.record("roles_changed", now or datetime.now(UTC), account=membership.user, actor=actor,
                     care_unit_id=membership.care_unit_id,
                     what=f"Roller: {_role_names(old)} → {_role_names(membership.role_set)}")
    db.session.commit()


def _refuse(membership: Membership, actor: User | None, now: datetime, message: str) -> None:
    """Audit (commit) a refused role change, then refuse it."""
    db.session.rollback()
    audit.record("roles_refused", now, account=membership.user, actor=actor, care_unit_id=membership.care_unit_id,
                 what=f"Rolländring nekad: {message}")
    db.session.commit()
    raise ServiceError(message)


def set_hsa_id(membership: Membership, hsa_id: str | None, *, actor: User | None = None,
               now: datetime | None = None) -> bool:
    """Set, change or clear (empty) the HSA-id of a member of a unit (Personal → Ändra HSA-id); audited.
    Replacing or clearing an HSA-id ends the account's sessions, as whoever logged in with it may not be
    the account's owner. False when nothing changed; ServiceError when malformed or taken."""
    user, new = membership.user, normalise_hsa_id(hsa_id)
    old = user.hsa_id
    if new == old:
        return False
    if problem := hsa_id_problem(new, user.id):
        raise ServiceError(HSA_ID_NOT_SAVED, {"hsa_id": problem})
    user.hsa_id = new
    flush_hsa_id(new, HSA_ID_NOT_SAVED)
    if old is not None:
        sessions.revoke(user.get_id(), commit=False)
    audit.record("hsa_id_changed", now or datetime.now(UTC), account=user, actor=actor,
                 care_unit_id=membership.care_unit_id, what=f"HSA-id: {old or 'ej angivet'} → {new or 'ej angivet'}")
    db.session.commit()
    return True


def unit_members(unit_id: int) -> list[Membership]:
    """The unit's staff, by name (each member's account loaded in the same statement)."""
    return list(db.session.execute(
        db.select(Membership).join(User).options(db.contains_eager(Membership.user))
        .where(Membership.care_unit_id == unit_id).order_by(User.name)
    ).scalars())
