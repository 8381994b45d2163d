"""Seeding at a region's size: `stegvis demo --moments N` adds N realistic moments in bulk.

Moments are spread over the demo's units and behandlare and over the last 400 days. Each moment has
come some way through the program (a pace and an engagement drawn per patient): the modules it
has reached are current or avklarade, the steps read in them have progress, the forms in read
steps are submitted (and mostly opened), messages go both ways, flags are raised (older ones
handled) and every one of those has its event, written as the engine words them. Some older
moments are ended, a few are in vidmakthåll.

Rows go in one chunk of moments at a time: on PostgreSQL through COPY (ids drawn from each table's
sequence first, so rows can refer to each other), on SQLite with Core `insert()` executemany (ids
through RETURNING). docs/performance.md has the measured rates.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text

from engine.forms import answers as form_answers
from engine.model import Form, Program

from ...extensions import db
from ...models import (Conversation, Enrollment, EnrollmentModule, Event, Flag, FormResponse, Membership, Message,
                       Patient, StepProgress, User)
from ..core.rows import question_snapshot
from .seed_data import CLINICIAN_LINES, FIRST_NAMES, LAST_NAMES, PATIENT_LINES, personnummer  # noqa: F401
from .planner_stats import analyze
from .seed_rows import write_chunk

DAYS = 400
CHUNK = 2000
#: every table write_chunk fills, analyzed at the end (issue 27: no planner statistics after a bulk seed)
SEEDED_TABLES = tuple(model.__tablename__ for model in (
    Patient, Enrollment, EnrollmentModule, StepProgress, Conversation, Message, FormResponse, Flag, Event))
SYSTEM = {"actor_kind": "system", "actor_id": "system", "actor_name": "Stegvis", "actor_unit": None}


@dataclass
class _Staff:
    user_id: int
    name: str
    unit_id: int
    unit_name: str


def _answer_variants(form: Form, rng: random.Random) -> list[dict[str, Any]]:
    """A few valid submissions of a form (the form's own golden tests first), scored by the engine."""
    raws = [dict(t.answers) for t in form.tests if t.valid]
    for _ in range(12):
        raw: dict[str, Any] = {}
        for q in form.questions:
            if q.type == "multiple_choice":
                raw[q.id] = [o.id for o in rng.sample(q.options, rng.randint(1, min(2, len(q.options))))]
            elif q.type == "single_choice":
                raw[q.id] = rng.choice(q.options).id
            elif q.type in ("scale", "number"):
                lo, hi = int(q.min if q.min is not None else 0), int(q.max if q.max is not None else 10)
                raw[q.id] = str(rng.randint(lo, hi))
            elif q.type == "yes_no":
                raw[q.id] = rng.choice(("ja", "nej"))
            elif q.type == "date":
                raw[q.id] = "2025-06-01"
            elif q.type == "time":
                raw[q.id] = "07:30"
            else:
                raw[q.id] = rng.choice(("Jag vill må bättre.", "För barnens skull.", "Det kostar för mycket."))
        raws.append(raw)
    variants = []
    for raw in raws:
        try:
            values = form_answers.submit(form, raw)
        except Exception:  # noqa: BLE001 - a random draw the form's rules refuse is just skipped
            continue
        result = form_answers.score(form, values)
        variants.append({"answers": form_answers.to_json(values),
                         "score": result.total if result else None,
                         "band": result.band.label if result and result.band else None,
                         "subscales": ({k: v for k, v in result.subscales.items()} or None) if result else None})
        if len(variants) >= 4:
            break
    return variants


class _Seeder:
    def __init__(self, program: Program, staff: list[_Staff], now: datetime, rng: random.Random):
        self.program, self.staff, self.now, self.rng = program, staff, now, rng
        self.positions = {m.id: i for i, m in enumerate(program.modules)}
        self.mandatory = [m for m in program.modules if m.kind == "mandatory" and not m.starts_with_moment]
        self.individual = [m for m in program.modules if m.kind == "individual"]
        self.first = [m for m in program.modules if m.starts_with_moment]
        self.variants = {f.id: _answer_variants(f, rng) for f in program.forms.values()}
        self.snapshots = {f.id: question_snapshot(f) for f in program.forms.values()}
        self.reasons = list(program.end_reasons)

    # -- one moment, as plain dicts keyed by a local index ------------------------------------------
    def plan(self, started: datetime) -> dict:
        """When each module is reached and left, and whether/how the moment ended."""
        rng, now = self.rng, self.now
        pace = rng.uniform(0.4, 1.6)
        engagement = rng.random()
        days = (now - started).total_seconds() / 86400
        reached: list[tuple[Any, datetime]] = [(m, started) for m in self.first]
        at = started + timedelta(days=max(3.0, (self.first[-1].default_days or 7) / pace))
        queue = list(self.mandatory)
        if rng.random() < 0.15 and self.individual:
            queue.insert(0, rng.choice(self.individual))
        stop = int(engagement * (len(queue) + 2))  # how many further modules this patient gets to
        for module in queue[:stop]:
            if at >= now:
                break
            reached.append((module, at))
            at += timedelta(days=max(2.0, (module.default_days or 7) / pace))
        ended_at = None
        if days > 60 and (rng.random() < min(0.7, days / 500) or len(reached) == len(self.first) + len(queue)):
            ended_at = min(now - timedelta(hours=1), at + timedelta(days=rng.uniform(1, 30)))
            ended_at = max(ended_at, reached[-1][1] + timedelta(hours=1))
        return {"reached": reached, "ended_at": ended_at, "engagement": engagement,
                "maintenance": ended_at is None and days > 120 and rng.random() < 0.05}


def _staff(units: list[int] | None) -> list[_Staff]:
    rows = db.session.execute(
        select(User.id, User.name, Membership.care_unit_id, Membership.roles)
        .join(Membership, Membership.user_id == User.id).order_by(User.id)
    ).all()
    from ...models import CareUnit

    names = {u.id: u.display_name for u in db.session.execute(select(CareUnit)).scalars()}
    return [_Staff(uid, name, unit_id, names[unit_id]) for uid, name, unit_id, roles in rows
            if "behandlare" in roles.split() and (units is None or unit_id in units)]


def seed_moments(program: Program, n: int, now: datetime, *, seed: int | None = None,
                 units: list[int] | None = None, chunk: int = CHUNK, progress=None) -> int:
    """Add `n` moments of `program` for the behandlare of the units (default: every unit), then ANALYZE
    the tables written; returns n."""
    staff = _staff(units)
    if not staff:
        raise ValueError("no behandlare to give the moments to")
    offset = db.session.execute(select(func.count(Patient.id))).scalar_one()
    rng = random.Random(seed if seed is not None else offset)
    seeder = _Seeder(program, staff, now, rng)
    done = 0
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    while done < n:
        size = min(chunk, n - done)
        if postgresql:  # seed data: no need to wait for the WAL flush
            db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        write_chunk(seeder, offset + done, size)
        db.session.commit()
        if postgresql and done == 0 and size < n:
            # PostgreSQL plans each foreign-key check once per connection from the statistics it finds: made
            # against the nearly empty tables of a new database, every event row's check scanned the whole
            # growing enrollment table (100 000 moments: quadratic, 8× slower). With statistics after the first
            # chunk the checks are replanned as index lookups.
            analyze(SEEDED_TABLES)
        done += size
        if progress:
            progress(done)
    analyze(SEEDED_TABLES)
    return n
