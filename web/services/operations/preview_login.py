"""The login of `stegvis preview`: one staff member with the Författare role in a unit of its own.

The preview runs on a fresh temporary database; this is all it needs in it to let the author in.
"""
from __future__ import annotations

from ...extensions import db
from ...models import CareUnit, Membership, Region, User
from ...auth.core.passwords import hash_password

USERNAME = "forfattare"
REGION = "Förhandsvisning"
UNIT = "Författare"


def add_author(password: str, username: str = USERNAME) -> User:
    """Add (or reset the password of) the preview's author: role Författare in the unit Förhandsvisning."""
    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        region = Region(name=REGION)
        unit = CareUnit(region=region, name=UNIT)
        user = User(username=username, name="Författare", password_hash=hash_password(password))
        user.memberships.append(Membership(care_unit=unit, roles="forfattare"))
        db.session.add_all([region, unit, user])
    else:
        user.password_hash = hash_password(password)
    db.session.commit()
    return user
