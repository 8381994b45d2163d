"""The rows of one chunk of seeded moments (see seed.py), built as dicts and inserted in bulk."""
from __future__ import annotations

import json
from datetime import UTC, timedelta
from operator import itemgetter

from sqlalchemy import JSON, bindparam, insert, text, update

from engine.localtime import add_local_days, fmt, iso
from engine.moment.flags import cause_key

from ...extensions import db
from ...models.base import UTCDateTime
from .seed_data import CLINICIAN_LINES, FIRST_NAMES, LAST_NAMES, PATIENT_LINES, personnummer
from ...models import (Conversation, Enrollment, EnrollmentModule, Event, Flag, FormResponse, Message, Patient,
                       StepProgress)


def _ins(model, rows: list[dict], returning: bool = False) -> list[int]:
    if not rows:
        return []
    table = model.__table__
    if _postgresql():  # ids from the table's sequence, rows through COPY: no per-row round trips
        ids = _next_ids(table, len(rows)) if returning else []
        _copy(table, [{**r, "id": i} for r, i in zip(rows, ids)] if returning else rows)
        return ids
    # SQLite: Core, not the ORM's bulk path: one executemany per table
    if returning:
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(db.session.execute(stmt, rows).scalars())
    db.session.execute(insert(table), rows)
    return []


def insert_rows(model, rows: list[dict]) -> None:
    """Insert rows in bulk, in order: COPY on PostgreSQL, one executemany on SQLite (no ids returned)."""
    _ins(model, rows)


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _next_ids(table, n: int) -> list[int]:
    """n fresh ids from the table's id sequence (PostgreSQL), in one statement."""
    return list(db.session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
        {"t": table.name, "n": n}).scalars())


def _copy(table, rows: list[dict]) -> None:
    """COPY rows into a table (PostgreSQL), values converted as the column types would bind them."""
    keys: dict[str, None] = {}
    for shape in dict.fromkeys(map(tuple, rows)):  # each row's keys, in order of first appearance
        keys.update(dict.fromkeys(shape))
    names = list(dict.fromkeys([*keys,  # and columns left to their Python default
                                *(c.name for c in table.columns if c.default is not None)]))
    defaults = [_default(table.c[name]) for name in names]
    times = [i for i, name in enumerate(names) if isinstance(table.c[name].type, UTCDateTime)]
    jsons = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
    every = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    cursor = db.session.connection().connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for r in rows:
            if len(r) == len(names):  # every column given (a row's keys are among the names)
                values = list(every(r))
            else:
                values = [r.get(name, default) for name, default in zip(names, defaults)]
            for i in times:
                if values[i] is not None:
                    values[i] = values[i].astimezone(UTC).replace(tzinfo=None)
            for i in jsons:
                if values[i] is not None:
                    values[i] = json.dumps(values[i])
            copy.write_row(values)


def _default(column):
    """The value Core's insert() would use for a missing key: the column's Python default."""
    default = column.default
    if default is None:
        return None
    return default.arg if default.is_scalar else default.arg(None)  # callables are wrapped to take a context


class _Moment:
    """Rows of one moment; references to rows of other tables are list indexes until ids exist."""

    def __init__(self, chunk: "_Chunk", index: int, eid_slot: int, staff, patient_name: str):
        self.c, self.index, self.slot, self.staff, self.patient_name = chunk, index, eid_slot, staff, patient_name
        self.clinician = {"actor_kind": "clinician", "actor_id": str(staff.user_id), "actor_name": staff.name,
                          "actor_unit": staff.unit_name}
        self.patient = None  # set once the patient id is known
        self.last_active = None

    def event(self, type_: str, at, actor: dict, text: str, **extra) -> None:
        self.c.events.append({"_e": self.slot, "type": type_, "at": at, **actor, "text": text,
                              "module_id": extra.pop("module_id", None), "step_id": extra.pop("step_id", None),
                              "form_id": extra.pop("form_id", None), "_fr": extra.pop("_fr", None),
                              "_msg": extra.pop("_msg", None), "data": extra})

    def flag(self, type_: str, label: str, at, text: str, key: str, handled_at=None) -> None:
        c = self.c
        c.flags.append({"_e": self.slot, "type": type_, "cause_key": key, "text": text, "raised_at": at,
                        "handled_at": handled_at, "handled_by_id": self.staff.user_id if handled_at else None})
        self.event("flag_raised", at, c.system, f"{label}: {text}", flag=type_, cause=key)
        if handled_at is not None:
            self.event("flag_handled", handled_at, self.clinician, f"Flaggan {label} hanterades", flag=type_)

    def message(self, conv: int, sender: str, body: str, at, read_at) -> None:
        c = self.c
        c.messages.append({"_conv": conv, "sender_kind": sender, "body": body, "sent_at": at, "notify": False,
                           "sender_user_id": self.staff.user_id if sender == "clinician" else None,
                           "sender_name": self.staff.name if sender == "clinician" else self.patient_name,
                           "read_by_patient_at": at if sender == "patient" else read_at,
                           "read_by_clinician_at": at if sender == "clinician" else read_at})
        c.conversations[conv]["last_message_at"] = at
        actor = self.clinician if sender == "clinician" else self.patient
        text = (f"Ny konversation från {self.staff.name}" if sender == "clinician" else "Meddelande från invånaren")
        self.event("message_sent", at, actor, text, _msg=len(c.messages) - 1, conversation=None, notify=False)


class _Chunk:
    def __init__(self, seeder):
        self.s = seeder
        self.system = {"actor_kind": "system", "actor_id": "system", "actor_name": "Stegvis", "actor_unit": None}
        self.modules: list[dict] = []
        self.steps: list[dict] = []
        self.events: list[dict] = []
        self.flags: list[dict] = []
        self.conversations: list[dict] = []
        self.messages: list[dict] = []
        self.responses: list[dict] = []


def _fill(m: _Moment, started, plan: dict, enrollment: dict) -> None:
    """Modules, steps, forms, messages and flags of one moment, in the order they happened."""
    s, c, rng, now = m.c.s, m.c, m.c.s.rng, m.c.s.now
    end = plan["ended_at"] or now
    reached = plan["reached"]
    engagement = plan["engagement"]
    m.event("moment_started", started, m.clinician, f"Momentet {s.program.title} startades",
            program=s.program.id, version=s.program.version)
    rows = {mod.id: {"_e": m.slot, "module_id": mod.id, "position": s.positions[mod.id], "state": "upcoming",
                     "status": "hidden", "days": mod.default_days, "activated_at": None, "completed_at": None}
            for mod in s.program.modules}
    if rng.random() < 0.85:
        c.conversations.append({"_e": m.slot, "subject": "Välkommen", "started_by": "clinician",
                                "created_at": started + timedelta(minutes=5)})
        welcome = len(c.conversations) - 1
        m.message(welcome, "clinician", s_line(rng, "clinician"), started + timedelta(minutes=5),
                  started + timedelta(days=1) if engagement > 0.15 else None)
    else:
        welcome = None
    for i, (module, at) in enumerate(reached):
        if at != started:  # a later module: the previous mandatory ones are done
            for prev, _ in reached[:i]:
                row = rows[prev.id]
                if row["state"] == "current":
                    row.update(state="completed", status="read_only", completed_at=at)
                    m.event("module_completed", at, m.clinician, f"Modul {prev.title} sattes till avklarad",
                            module_id=prev.id)
        rows[module.id].update(state="current", status="read_write", activated_at=at)
        m.event("module_activated", at, m.clinician, f"Modul {module.title} startades", module_id=module.id,
                days=module.default_days)
        if engagement < 0.1:
            continue
        later = reached[i + 1][1] if i + 1 < len(reached) else end
        share = 1.0 if i + 1 < len(reached) else engagement
        steps = module.steps[:max(1, round(len(module.steps) * share))]
        span = max(timedelta(hours=1), (later - at) / (len(steps) + 1))
        for k, step in enumerate(steps):
            seen = at + span * (k + 0.5) + timedelta(minutes=rng.randint(0, 600))
            if seen >= end:
                break
            progress = "done"
            m.event("step_viewed", seen, m.patient, f"Avsnitt {step.number} {step.title} lästes",
                    module_id=module.id, step_id=step.id, progress="started" if step.forms else "done")
            m.last_active = seen
            for n, form_id in enumerate(step.forms):
                variants = s.variants.get(form_id)
                if not variants or rng.random() > 0.8:
                    progress = "started"
                    continue
                _submit(m, module.id, step.id, s.program.form(form_id), rng.choice(variants),
                        seen + timedelta(minutes=10 + n), end)
            c.steps.append({"_e": m.slot, "module_id": module.id, "step_id": step.id, "status": progress,
                            "updated_at": seen})
    c.modules.extend(rows.values())
    if welcome is not None and engagement > 0.3 and m.last_active and rng.random() < 0.6:
        at = m.last_active + timedelta(minutes=15)
        fresh = now - at < timedelta(days=7)
        read = None if fresh else at + timedelta(hours=rng.randint(2, 48))
        m.message(welcome, "patient", s_line(rng, "patient"), at, read)
        m.last_active = at  # writing is a patient action (Senast aktiv)
        # causes and texts as the engine writes them (engine.moment.flags), so the tick sees these as raised
        m.flag("new_message", "Nytt meddelande/kommentar", at,
               f"Invånaren skickade ett nytt meddelande {fmt(at)}.", cause_key("new_message", iso(at)),
               handled_at=read)
    since = m.last_active or started
    if plan["ended_at"] is None and now - since > timedelta(days=7) and rng.random() < 0.4:
        due = add_local_days(since, 7)
        m.flag("patient_inactivity", "Invånare inaktivitet", due,
               f"Invånaren har inte varit aktiv på 7 dagar (senast aktiv {fmt(since)})." if m.last_active else
               f"Invånaren har inte varit aktiv sedan momentet startade {fmt(since)} (7 dagar).",
               cause_key("patient_inactivity", 7, iso(since)))
    if plan["ended_at"] is not None:
        reason = rng.choice(s.reasons)
        enrollment.update(status="ended", ended_at=plan["ended_at"], end_reason=reason.id)
        m.event("moment_ended", plan["ended_at"], m.clinician, f"Momentet avslutades ({reason.title})",
                reason=reason.id)
    elif plan["maintenance"]:
        enrollment.update(status="maintenance", maintain_until=(now + timedelta(days=rng.randint(10, 90))).date())
    enrollment["last_active"] = m.last_active


def _submit(m: _Moment, module_id: str, step_id: str, form, variant: dict, at, end) -> None:
    c, rng, now = m.c, m.c.s.rng, m.c.s.now
    opened = at + timedelta(hours=rng.randint(1, 72))
    if opened >= end or (now - at < timedelta(days=5) and rng.random() < 0.6):
        opened = None
    c.responses.append({"_e": m.slot, "form_id": form.id, "module_id": module_id, "step_id": step_id,
                        "status": "submitted", "answers": variant["answers"], "questions": c.s.snapshots[form.id],
                        "form_title": form.title, "score": variant["score"], "band": variant["band"],
                        "subscales": variant["subscales"], "created_at": at, "updated_at": at, "submitted_at": at,
                        "opened_at": opened, "opened_by_id": m.staff.user_id if opened else None})
    fr = len(c.responses) - 1
    m.event("form_submitted", at, m.patient, f"Formulär {form.title} skickades in", module_id=module_id,
            form_id=form.id, _fr=fr, answers=variant["answers"], battery=None)
    m.flag("form_saved", "Formulär sparat", at,
           f"Invånaren skickade in formuläret {form.title} {fmt(at)}.",
           cause_key("form_saved", form.id, iso(at)), handled_at=opened)
    if opened is not None:
        m.event("form_opened", opened, m.clinician, f"Formulär {form.title} öppnades", form_id=form.id, _fr=fr)
    m.last_active = at


def s_line(rng, sender: str) -> str:
    return rng.choice(CLINICIAN_LINES if sender == "clinician" else PATIENT_LINES)


def write_chunk(seeder, offset: int, size: int) -> None:
    """Insert `size` moments (patients offset … offset+size-1) with everything that happened in them."""
    s, rng, now, program = seeder, seeder.rng, seeder.now, seeder.program
    c = _Chunk(s)
    patients, enrollments, moments = [], [], []
    for k in range(size):
        index = offset + k
        started = now - timedelta(days=rng.uniform(0.02, 400))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        mail = rng.random() < 0.7
        patients.append({"personnummer": personnummer(index), "first_name": first, "last_name": last,
                         "email": f"{first}.{last}.{index}@example.se".lower() if mail else None,
                         "mobile": f"070-{index % 1000:03d} {index // 1000 % 100:02d} {index % 97:02d}",
                         "notify_email": mail, "notify_sms": True, "created_at": started - timedelta(days=1),
                         "last_login": None})
        staff = rng.choice(s.staff)
        enrollments.append({"program_id": program.id, "program_version": program.version,
                            "program_digest": program.digest, "care_unit_id": staff.unit_id,
                            "clinician_id": staff.user_id, "status": "active", "started_at": started,
                            "linked": [], "batteries": [], "ended_at": None, "end_reason": None,
                            "maintain_until": None, "last_active": None})
        moments.append(_Moment(c, index, k, staff, f"{first} {last}"))
    postgresql = _postgresql()
    # PostgreSQL: patients go in after their moments are filled, with last_login known (no UPDATE)
    patient_ids = _next_ids(Patient.__table__, size) if postgresql else _ins(Patient, patients, returning=True)
    for m, pid, row in zip(moments, patient_ids, enrollments):
        row["patient_id"] = pid
        m.patient = {"actor_kind": "patient", "actor_id": str(pid), "actor_name": m.patient_name, "actor_unit": None}
        _fill(m, row["started_at"], s.plan(row["started_at"]), row)
    if postgresql:
        _copy(Patient.__table__, [{**p, "id": pid, "last_login": e["last_active"]}
                                  for p, pid, e in zip(patients, patient_ids, enrollments)])
    enrollment_ids = _ins(Enrollment, enrollments, returning=True)

    def resolve(rows: list[dict], **refs: list[int]) -> list[dict]:
        out = []
        for r in rows:
            r = dict(r)
            r["enrollment_id"] = enrollment_ids[r.pop("_e")] if "_e" in r else None
            if r["enrollment_id"] is None:
                r.pop("enrollment_id")
            for key, ids in refs.items():
                column = {"_conv": "conversation_id", "_fr": "form_response_id", "_msg": "message_id"}[key]
                ref = r.pop(key, None)
                r[column] = ids[ref] if ref is not None else None
            out.append(r)
        return out

    _ins(EnrollmentModule, resolve(c.modules))
    _ins(StepProgress, resolve(c.steps))
    conversation_ids = _ins(Conversation, resolve(c.conversations), returning=True)
    message_ids = _ins(Message, resolve(c.messages, _conv=conversation_ids), returning=True)
    response_ids = _ins(FormResponse, resolve(c.responses), returning=True)
    _ins(Flag, resolve(c.flags))
    _ins(Event, resolve(c.events, _fr=response_ids, _msg=message_ids))
    logged_in = [{"id": pid, "last_login": e["last_active"]} for pid, e in zip(patient_ids, enrollments)
                 if e["last_active"] is not None]
    if logged_in and not postgresql:
        table = Patient.__table__
        db.session.execute(update(table).where(table.c.id == bindparam("pid")).values(last_login=bindparam("login")),
                           [{"pid": r["id"], "login": r["last_login"]} for r in logged_in])
