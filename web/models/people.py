"""Staff, patients and where staff work: Region, CareUnit, User, Membership, Patient."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: role code → the manual's name, in the order the manual lists them
ROLES = {
    "behorighetsadmin": "Behörighetsadmin",
    "behandlare": "Behandlare",
    "invanaradmin": "Invånaradmin",
    "dataadmin": "Dataadmin",
    #: may use the author preview (/author) of programs
    "forfattare": "Författare",
}


class Region(db.Model):
    """A region (län), e.g. Region Jönköpings län."""

    __tablename__ = "region"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: shown in the header and timeline, e.g. "Region Jönköpings län"
    name: Mapped[str] = mapped_column(String(120), unique=True)

    units: Mapped[list["CareUnit"]] = relationship(back_populates="region", order_by="CareUnit.name")


def unit_display_name(region: str, unit: str) -> str:
    """`CareUnit.display_name` of a region's and a unit's names (when they are read as columns)."""
    return f"{region}, {unit}"


def role_codes(roles: str) -> frozenset[str]:
    """`Membership.role_set` of its stored roles (when they are read as a column)."""
    return frozenset(roles.split())


class CareUnit(db.Model):
    """A vårdenhet; moments belong to exactly one unit at a time."""

    __tablename__ = "care_unit"
    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    #: unit name within the region, e.g. "Utbildningsenhet"
    name: Mapped[str] = mapped_column(String(120))
    #: national HSA id when known
    hsa_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    region: Mapped[Region] = relationship(back_populates="units")

    @property
    def display_name(self) -> str:
        """Region and unit as the manual shows them: "Region Jönköpings län, Utbildningsenhet"."""
        return unit_display_name(self.region.name, self.name)


class User(UserMixin, db.Model):
    """A staff account (behandlare and administrators); roles are held per care unit in Membership."""

    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: login name, stored lower-case, e.g. "marita.andersson"
    username: Mapped[str] = mapped_column(String(80), unique=True)
    #: full name shown in the header and timeline
    name: Mapped[str] = mapped_column(String(120))
    #: argon2 hash; None for accounts that only log in through an external identity provider
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(32))
    #: send flag notices by e-mail (profile setting)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=False)
    #: send flag notices by SMS (profile setting)
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a disabled account cannot log in
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: HSA-id (e.g. SE2321000131-E000000000001): how an OpenID Connect login finds this account
    hsa_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: TOTP second factor (web.services.core.totp): the base32 secret once enrolment is confirmed
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the last accepted 30-second step, so one code cannot be used twice
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: JSON list of SHA-256 hashes of the unused recovery codes
    totp_recovery: Mapped[str | None] = mapped_column(Text)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    kind = "staff"

    def get_id(self) -> str:
        """Flask-Login id, prefixed so staff and patient ids never collide."""
        return f"staff:{self.id}"

    @property
    def is_active(self) -> bool:
        return self.active

    def membership(self, unit_id: int | None) -> "Membership | None":
        """This user's membership of a unit, or None."""
        return next((m for m in self.memberships if m.care_unit_id == unit_id), None)


class Membership(db.Model):
    """A user works in a care unit with some roles there."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "care_unit_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    care_unit_id: Mapped[int] = mapped_column(ForeignKey("care_unit.id"), index=True)
    #: space-separated role codes (keys of ROLES), e.g. "behandlare invanaradmin"
    roles: Mapped[str] = mapped_column(String(200), default="behandlare")

    user: Mapped[User] = relationship(back_populates="memberships")
    care_unit: Mapped[CareUnit] = relationship()

    @property
    def role_set(self) -> frozenset[str]:
        """The role codes as a set."""
        return role_codes(self.roles)

    @property
    def role_names(self) -> list[str]:
        """The manual's role names, in the manual's order."""
        return [label for code, label in ROLES.items() if code in self.role_set]


#: a GIN trigram index on lower(first_name || ' ' || last_name), made by migration 0012n on PostgreSQL
#: when pg_trgm can be created; not a model index (SQLite has no such index; compare_metadata skips it)
PATIENT_TRIGRAM_INDEX = "ix_patient_full_name_trgm"


class Patient(UserMixin, db.Model):
    """An invånare. The personnummer is stored in full (12 digits) and masked wherever lists show it."""

    __tablename__ = "patient"
    #: the overview lists moments by the patient's name (migration 0006i); its name filter also has a
    #: PostgreSQL-only trigram index, kept outside the models (migration 0012n: PATIENT_TRIGRAM_INDEX)
    __table_args__ = (Index("ix_patient_name", "last_name", "first_name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 12 digits without hyphen, e.g. "196108312460" (samordningsnummer: day + 60)
    personnummer: Mapped[str] = mapped_column(String(12), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(32))
    #: "new message" notices by e-mail (patient setting)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "new message" notices by SMS (patient setting)
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    #: language of the patient pages and program texts (Inställningar): "sv", or a language the programs translate
    language: Mapped[str] = mapped_column(String(8), default="sv", server_default="sv")
    #: argon2 hash; None until the patient has activated a local login
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: one-time token for setting the first password; None once used
    activation_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    activation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: None = never logged in (the warning on Starta nytt moment)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kind = "patient"

    def get_id(self) -> str:
        """Flask-Login id, prefixed so staff and patient ids never collide."""
        return f"patient:{self.id}"

    @property
    def list_name(self) -> str:
        """"Efternamn, Förnamn" as the overview lists patients."""
        return f"{self.last_name}, {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def masked_personnummer(self) -> str:
        """"19610831-xxxx": the date part only, as every list shows it."""
        return f"{self.personnummer[:8]}-xxxx"

    @property
    def formatted_personnummer(self) -> str:
        """"19610831-2460": the full number, only on a single patient's record."""
        return f"{self.personnummer[:8]}-{self.personnummer[8:]}"
