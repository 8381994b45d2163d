"""Clinician actions on a moment: start, modules (Hantera), welcome text, end, vidmakthåll, change, hand over."""
from __future__ import annotations

from datetime import date, datetime

from engine.moment import lifecycle
from engine.errors import EngineError
from engine.moment.batteries import start_battery as engine_start_battery
from engine.moment.rules import make_event

from ... import limits
from ...contact import contact_errors
from ...extensions import db
from ...models import CareUnit, Enrollment, EnrollmentModule, Membership, Patient, User
from ...personnummer import PersonnummerError, parse
from ..core.accounts import issue_activation
from ..core.audio import render_welcome_audio_later
from ..core.notices import notify_patient_moment_started
from ..core.unit import apply, transaction
from ..core.rows import battery_schedule, clinician_actor, program_for, record_events
from ..errors import ServiceError
from ..core.versions import snapshot
from . import unit_settings

#: longest welcome text accepted (a page of text; more is a paste accident)
MAX_WELCOME_TEXT = limits.MAX_WELCOME_TEXT


def find_patient(personnummer: str) -> Patient | None:
    """The patient with this personnummer (validated first; PersonnummerError when invalid)."""
    digits = parse(personnummer)
    return db.session.execute(db.select(Patient).where(Patient.personnummer == digits)).scalar_one_or_none()


def start_moment(*, personnummer: str, program_id: str, user: User, membership: Membership, now: datetime,
                 first_name: str | None = None, last_name: str | None = None,
                 email: str | None = None, mobile: str | None = None) -> Enrollment:
    """Starta nytt moment: find or create the patient, start the program, store modules and events."""
    try:
        digits = parse(personnummer)
    except PersonnummerError as exc:
        raise ServiceError(str(exc), {"personnummer": str(exc)}) from exc
    program = unit_settings.offered_programs(membership.care_unit_id).get(program_id)
    if program is None:
        raise ServiceError("Välj ett program.", {"program": "Välj ett program."})
    with transaction():
        patient = db.session.execute(db.select(Patient).where(Patient.personnummer == digits)).scalar_one_or_none()
        if patient is None:
            errors = {}
            if not (first_name or "").strip():
                errors["first_name"] = "Ange invånarens förnamn."
            elif len(first_name.strip()) > limits.MAX_PATIENT_NAME:
                errors["first_name"] = f"Förnamnet får vara högst {limits.MAX_PATIENT_NAME} tecken."
            if not (last_name or "").strip():
                errors["last_name"] = "Ange invånarens efternamn."
            elif len(last_name.strip()) > limits.MAX_PATIENT_NAME:
                errors["last_name"] = f"Efternamnet får vara högst {limits.MAX_PATIENT_NAME} tecken."
            contact = contact_errors(email=(email or "").strip(), mobile=(mobile or "").strip())
            if errors:
                raise ServiceError("Invånaren finns inte ännu: ange namn för att lägga till.", {**errors, **contact})
            if contact:
                raise ServiceError("Kontrollera kontaktuppgifterna.", contact)
            patient = Patient(personnummer=digits, first_name=first_name.strip(), last_name=last_name.strip(),
                              email=(email or "").strip() or None, mobile=(mobile or "").strip() or None,
                              notify_sms=bool((mobile or "").strip()), notify_email=bool((email or "").strip()),
                              created_at=now)
            db.session.add(patient)
        # a link still pending from another unit's moment is theirs: replacing it would break it
        other_units_link = (
            patient.id is not None and patient.activation_token is not None
            and patient.activation_expires_at is not None and patient.activation_expires_at > now
            and not db.session.execute(db.select(Enrollment.id).where(
                Enrollment.patient_id == patient.id, Enrollment.care_unit_id == membership.care_unit_id)).first())
        actor = clinician_actor(user, membership)
        try:
            transition = lifecycle.start(program, now=now, clinician=actor, care_unit=actor.unit)
        except EngineError as exc:  # engine errors carry Swedish messages
            raise ServiceError(str(exc)) from exc
        snapshot(program, now)  # the moment stays on this exact program, even after the YAML is edited
        state = transition.state
        enrollment = Enrollment(
            patient=patient, program_id=program.id, program_version=program.version,
            program_digest=program.digest, care_unit_id=membership.care_unit_id, clinician_id=user.id,
            status=state.status, started_at=state.started_at, linked=[], batteries=[],
            next_battery_at=battery_schedule(program, state),
        )
        db.session.add(enrollment)
        for position, module in enumerate(program.modules):
            ms = state.modules[module.id]
            enrollment.modules.append(EnrollmentModule(
                module_id=module.id, position=position, state=ms.state, status=ms.status, days=ms.days,
                activated_at=ms.activated_at, completed_at=ms.completed_at,
            ))
        db.session.flush()
        record_events(enrollment, transition.events)

        # a patient without a password gets a one-time activation link; one with an account is told to log in
        if other_units_link:
            pass  # the patient activates with the link they already have; then they see both moments
        elif issue_activation(patient, now, enrollment) is None:
            notify_patient_moment_started(enrollment, now)
    unit_settings.apply_to_new_moment(enrollment, user, membership, now)  # Inställningar of the unit
    return enrollment


def _clinician_action(enrollment: Enrollment, action, *args, user: User, membership: Membership, now: datetime,
                      **kwargs):
    with transaction():
        return apply(enrollment, action, *args, now=now, actor=clinician_actor(user, membership), **kwargs)


def activate_module(enrollment: Enrollment, module_id: str, *, days: int | None, user: User,
                    membership: Membership, now: datetime, no_limit: bool = False) -> None:
    """Sätt till aktuell with Dagar kvar (None = the module's days; `no_limit` = no time limit)."""
    chosen = None if no_limit else (lifecycle.DEFAULT_DAYS if days is None else days)
    _clinician_action(enrollment, lifecycle.activate_module, module_id, user=user,
                      membership=membership, now=now, days=chosen)


def complete_module(enrollment: Enrollment, module_id: str, *, user: User, membership: Membership,
                    now: datetime) -> None:
    """Sätt till avklarad."""
    _clinician_action(enrollment, lifecycle.complete_module, module_id, user=user, membership=membership, now=now)


def set_upcoming(enrollment: Enrollment, module_id: str, *, user: User, membership: Membership,
                 now: datetime) -> None:
    """Sätt till kommande."""
    _clinician_action(enrollment, lifecycle.set_upcoming, module_id, user=user, membership=membership, now=now)


def set_days_left(enrollment: Enrollment, module_id: str, days_left: int | None, *, user: User,
                  membership: Membership, now: datetime) -> None:
    """Dagar kvar for a module (None = no time limit, 0 = no days left)."""
    _clinician_action(enrollment, lifecycle.set_days_left, module_id, days_left, user=user,
                      membership=membership, now=now)


def set_patient_status(enrollment: Enrollment, module_id: str, status: str, *, user: User,
                       membership: Membership, now: datetime) -> None:
    """Invånarstatus: hidden, read_write or read_only."""
    _clinician_action(enrollment, lifecycle.set_status, module_id, status, user=user, membership=membership,
                      now=now)


def start_battery(enrollment: Enrollment, battery_id: str, *, user: User, membership: Membership,
                  now: datetime) -> None:
    """Starta mätbatteri: its forms open for the patient."""
    _clinician_action(enrollment, engine_start_battery, battery_id, user=user, membership=membership, now=now)


def save_welcome_text(enrollment: Enrollment, text: str, *, user: User, membership: Membership,
                      now: datetime) -> None:
    """Redigera text / Spara: the moment's own welcome text (empty = the program's default again)."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_WELCOME_TEXT:
        raise ServiceError(f"Välkomsttexten får vara högst {MAX_WELCOME_TEXT} tecken.", {"text": "För lång text."})
    if enrollment.status != "active":
        raise ServiceError("Momentet är avslutat: välkomsttexten kan inte ändras.")
    program_default = program_for(enrollment).welcome_text.strip()
    actor = clinician_actor(user, membership)
    with transaction():
        enrollment.welcome_text = None if text in ("", program_default) else text
        # The engine has no welcome-text action; the event is still recorded so the timeline shows it.
        record_events(enrollment, [make_event("welcome_text_changed", now, actor, "Välkomsttexten ändrades")])

    render_welcome_audio_later(enrollment)  # speech is synthesized in the background, never in this request


def end_moment(enrollment: Enrollment, reason_id: str, *, user: User, membership: Membership, now: datetime) -> None:
    """Avsluta with an end reason: the patient loses access."""
    _clinician_action(enrollment, lifecycle.end, reason_id, user=user, membership=membership, now=now)


def maintain_moment(enrollment: Enrollment, until: date, *, user: User, membership: Membership,
                    now: datetime) -> None:
    """Vidmakthåll an ended moment until a date (read-only for the patient)."""
    _clinician_action(enrollment, lifecycle.maintain, until, user=user, membership=membership, now=now)


def end_and_maintain(enrollment: Enrollment, reason_id: str, until: date | None, *, user: User,
                     membership: Membership, now: datetime) -> None:
    """Avsluta, and with "Moment Vidmakthåll" ticked keep read access until a date — all or nothing."""
    actor = clinician_actor(user, membership)
    with transaction():
        apply(enrollment, lifecycle.end, reason_id, now=now, actor=actor)
        if until is not None:
            apply(enrollment, lifecycle.maintain, until, now=now, actor=actor)


def eligible_clinicians(unit_id: int) -> list[User]:
    """Staff with the Behandlare role in the unit (choices for Byte av behandlare)."""
    members = db.session.execute(
        db.select(Membership).join(User).options(db.contains_eager(Membership.user))
        .where(Membership.care_unit_id == unit_id, User.active.is_(True)).order_by(User.name)
    ).scalars()
    return [m.user for m in members if "behandlare" in m.role_set]


def change_clinician(enrollment: Enrollment, new_user_id: int, *, user: User, membership: Membership,
                     now: datetime) -> None:
    """Byte av behandlare: a clinician of the same unit becomes ansvarig behandlare."""
    new_user = next((u for u in eligible_clinicians(enrollment.care_unit_id) if u.id == new_user_id), None)
    if new_user is None:
        raise ServiceError("Välj en behandlare i vårdenheten.", {"clinician": "Välj en behandlare i vårdenheten."})
    new_actor = clinician_actor(new_user, membership)
    with transaction():
        apply(enrollment, lifecycle.change_clinician, now=now, actor=clinician_actor(user, membership), new=new_actor)
        enrollment.clinician_id = new_user.id
        enrollment.next_inactivity_at = None  # the new clinician's inactivity subscriptions: worked out by the tick


def hand_over(enrollment: Enrollment, unit_id: int, *, user: User, membership: Membership, now: datetime) -> None:
    """Överlämna the moment to another care unit (it leaves this unit's lists)."""
    unit = db.session.get(CareUnit, unit_id)
    if unit is None:
        raise ServiceError("Välj en vårdenhet.", {"unit": "Välj en vårdenhet."})
    with transaction():
        apply(enrollment, lifecycle.hand_over, unit.display_name, now=now, actor=clinician_actor(user, membership))
        enrollment.care_unit_id = unit.id

