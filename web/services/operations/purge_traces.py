"""What a purge removes besides the patient's rows: the copies of their identity elsewhere.

- their own sessions (ended), and in staff sessions the flash messages and remembered overview searches
  that name them (a stored session keeps an unread "…startades för Jane Doe" until it is shown);
- audit lines about them: the name becomes "Invånare nr <id>", an id the purge makes meaningless;
- their names in typed texts: searched texts in the access log, export purposes (the rows stay);
- the file outbox (development and demo transports): .eml files and sms.log lines addressed to them;
- SQLite's write-ahead log, checkpointed and truncated after the commit (deleted rows otherwise stay
  in it until the next automatic checkpoint; `secure_delete` zeroes them in the database file itself).
  PostgreSQL keeps deleted rows as dead tuples until VACUUM (autovacuum) marks the space free, and the
  bytes until the page is reused or VACUUM FULL rewrites the table (docs/operations.md, Dataskydd).
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any, MutableMapping

from flask import current_app
from flask.json.tag import TaggedJSONSerializer
from sqlalchemy import delete, func, or_, select, update

from ...extensions import db
from ...models import AccessLog, AuditEvent, ExportLog, Patient, WebSession

log = logging.getLogger(__name__)
_serializer = TaggedJSONSerializer()
#: names shorter than this are not searched for in other people's data (too many false matches)
MIN_NAME = 3


def identifiers(patient: Patient) -> list[str]:
    """Every form in which the patient's identity may have been copied: personnummer (12, 10 digits, with a
    dash), names, e-mail address and mobile number (as typed and as digits only); lower-case."""
    pnr = patient.personnummer
    found = [pnr, pnr[2:], f"{pnr[:8]}-{pnr[8:]}", f"{pnr[2:8]}-{pnr[8:]}"]
    for name in (patient.first_name, patient.last_name):
        if name and len(name.strip()) >= MIN_NAME:
            found.append(name.strip())
    if patient.first_name and patient.last_name:
        found += [f"{patient.first_name} {patient.last_name}", f"{patient.last_name}, {patient.first_name}"]
    if patient.email:
        found.append(patient.email.strip())
    if patient.mobile:
        digits = re.sub(r"\D", "", patient.mobile)
        found += [patient.mobile.strip(), digits, "+46" + digits[1:] if digits.startswith("0") else digits]
    return list(dict.fromkeys(i.lower() for i in found if i))


def _names_them(text: str, idents: list[str]) -> bool:
    low = str(text).lower()
    digits = re.sub(r"\D", "", low)
    return any(i in low or (i.isdigit() and len(i) >= 6 and i in digits) for i in idents)


def forget_in_sessions(patient_id: int, idents: list[str]) -> int:
    """End the patient's sessions; from staff sessions drop flashes and remembered searches naming them.
    Returns the number of sessions ended (in the caller's transaction)."""
    ended = db.session.execute(delete(WebSession).where(WebSession.user_key == f"patient:{patient_id}")
                               .execution_options(synchronize_session=False)).rowcount
    for row in db.session.execute(select(WebSession)).scalars():
        try:
            data = _serializer.loads(row.data)
        except ValueError:
            continue
        if scrub(data, idents):
            row.data = _serializer.dumps(data)
    return ended


def scrub(data: MutableMapping[str, Any], idents: list[str]) -> bool:
    """Drop from one session's data the flashes and remembered searches that name the patient; True if any."""
    changed = False
    flashes = data.get("_flashes")
    if flashes:
        kept = [f for f in flashes if not _names_them(f[1] if len(f) > 1 else f, idents)]
        changed |= len(kept) != len(flashes)
        data["_flashes"] = kept
    searches = data.get("sok")
    if isinstance(searches, dict):
        kept_searches = {k: v for k, v in searches.items()
                         if not _names_them(v, idents) and not _part_of_personnummer(v, idents[0])}
        changed |= len(kept_searches) != len(searches)
        data["sok"] = kept_searches
    return changed


def _part_of_personnummer(text: str, personnummer: str) -> bool:
    """A searched number of six digits or more that is part of the personnummer (a birth date, say)."""
    digits = re.sub(r"\D", "", str(text))
    return len(digits) >= 6 and digits in personnummer


def forget_in_audit(patient_id: int) -> None:
    """Audit lines keep the internal id only (the patient row it pointed to is gone)."""
    key, name = f"patient:{patient_id}", f"Invånare nr {patient_id}"
    db.session.execute(update(AuditEvent).where(AuditEvent.subject_key == key).values(subject_name=name))
    db.session.execute(update(AuditEvent).where(AuditEvent.actor_key == key).values(actor_name=name))


def forget_in_logs(patient_id: int, idents: list[str], names: list[str]) -> int:
    """Where a typed text named the patient, the text loses the name and the row stays: searched texts in
    the access log (the search's own row and the rows of the patients it showed, theirs among them) and
    the purpose of an export. `names` as stored: the database's lower() may fold ASCII letters only
    (SQLite, PostgreSQL with the C locale), so each name is also looked for as stored, upper-case and
    capitalised. Returns the number of rows changed."""
    words = [i for i in idents if not i.isdigit()]
    variants = {v for n in [*words, *names] for v in (n, n.upper(), n.capitalize(), n.title())}
    if not variants:
        return 0

    def naming(column) -> list:
        return ([column.contains(v, autoescape=True) for v in variants]
                + [func.lower(column).contains(w, autoescape=True) for w in words])

    changed = 0
    for row in db.session.execute(select(AccessLog).where(
            or_(AccessLog.hits.is_not(None), AccessLog.patient_id == patient_id),
            or_(*naming(AccessLog.what)))).scalars():
        row.what, changed = redact(row.what, words), changed + 1
    for export in db.session.execute(select(ExportLog).where(or_(*naming(ExportLog.purpose)))).scalars():
        export.purpose, changed = redact(export.purpose or "", words), changed + 1
    return changed


def redact(text: str, words: list[str]) -> str:
    """The text with every occurrence of the words (any case) replaced by [gallrad], longest first."""
    for word in sorted(words, key=len, reverse=True):
        text = re.sub(re.escape(word), "[gallrad]", text, flags=re.IGNORECASE)
    return text


def outbox_files(idents: list[str]) -> tuple[list[Path], Path | None]:
    """(.eml files addressed to or naming the patient, the sms.log if a line of it does) in the file outbox."""
    from ...notify.transports import outbox_dir

    folder = outbox_dir(current_app.config)
    mails = [p for p in sorted((folder / "mail").glob("*.eml"))
             if _names_them(p.read_text(encoding="utf-8", errors="replace"), idents)]
    sms = folder / "sms.log"
    if not sms.exists() or not any(_names_them(line, idents) for line in sms.read_text(encoding="utf-8").splitlines()):
        return mails, None
    return mails, sms


def count_outbox(idents: list[str]) -> int:
    """How many messages in the file outbox are the patient's (.eml files and sms.log lines)."""
    mails, sms = outbox_files(idents)
    lines = sms.read_text(encoding="utf-8").splitlines() if sms is not None else []
    return len(mails) + sum(1 for line in lines if _names_them(line, idents))


def remove_outbox_files(idents: list[str]) -> None:
    """Delete the patient's .eml files and rewrite sms.log without their lines."""
    mails, sms = outbox_files(idents)
    for path in mails:
        path.unlink(missing_ok=True)
    if sms is not None:
        lines = sms.read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if not _names_them(line, idents)]
        fd, tmp = tempfile.mkstemp(dir=sms.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(kept)
        os.replace(tmp, sms)  # atomic: a reader sees the old file or the new, never half


def checkpoint() -> None:
    """SQLite: copy the write-ahead log into the database file and truncate it, so deleted rows do not
    linger in the -wal file (PostgreSQL: nothing to do here; see the module docstring)."""
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    if busy:
        log.warning("gallring: the SQLite write-ahead log could not be truncated now (a reader is busy); "
                    "the next checkpoint copies it")
