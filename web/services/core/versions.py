"""Pinned program versions: snapshot the program a moment starts on, and rebuild it after the YAML changes.

A moment stores the digest of the program it was started on. `snapshot()` stores that program's YAML
and content once per digest (ProgramVersion); `pinned_program()` turns the row back into a Program by
writing it to `<DATA_DIR>/program-versions/<digest>/` and loading it with the real engine loader, so a
running patient keeps the pages and forms they started with.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from engine.errors import ProgramError
from engine.loader import load_program
from engine.model import Program, frozen_map

from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import ProgramVersion
from ...content.programs import installed_source, program_files
from ..errors import ServiceError

log = logging.getLogger(__name__)

EXTENSION_KEY = "stegvis.program_versions"
#: folder under DATA_DIR where snapshots are written out for the loader
FOLDER = "program-versions"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")


@dataclass
class _Cache:
    """Per-app state: loaded pinned programs by digest, one lock per digest being loaded."""

    programs: dict[str, Program] = field(default_factory=dict)
    locks: dict[str, threading.Lock] = field(default_factory=dict)
    warned: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def lock_for(self, digest: str) -> threading.Lock:
        with self.lock:
            return self.locks.setdefault(digest, threading.Lock())


def _cache() -> _Cache:
    # setdefault on a dict is atomic in CPython: two first requests still share one cache
    return current_app.extensions.setdefault(EXTENSION_KEY, _Cache())


# --- snapshot -------------------------------------------------------------------------------------


def snapshot(program: Program, now: datetime) -> bool:
    """Store the program's YAML and content for its digest unless stored already (caller's transaction).

    Returns whether a snapshot exists afterwards. Two moments starting at once may both insert: the
    unique digest plus ON CONFLICT DO NOTHING keeps one row and lets both transactions commit.
    """
    if db.session.execute(db.select(ProgramVersion.id).where(ProgramVersion.digest == program.digest)).first():
        return True
    source = installed_source(program)
    if source is None:
        log.warning("program %s %s (%s): its YAML file has changed since the app started; "
                    "no snapshot stored", program.id, program.version, program.digest[:12])
        return False
    values = {"program_id": program.id, "version": program.version, "digest": program.digest,
              "source": source, "files": program_files(program), "created_at": now}
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(insert(ProgramVersion).values(**values).on_conflict_do_nothing(index_elements=["digest"]))
    else:  # another backend: a savepoint keeps the moment's transaction alive when the row already exists

        try:
            with db.session.begin_nested():
                db.session.add(ProgramVersion(**values))
        except IntegrityError:
            pass
    return True


# --- loading a pinned version ---------------------------------------------------------------------


def pinned_program(program_id: str, digest: str) -> Program | None:
    """The program with this digest rebuilt from its snapshot (cached), or None when there is no snapshot."""
    cache = _cache()
    program = cache.programs.get(digest)
    if program is not None:
        return program
    row = db.session.execute(db.select(ProgramVersion).where(ProgramVersion.digest == digest)).scalar_one_or_none()
    if row is None:
        return None
    if row.program_id != program_id:
        raise ServiceError(f"Programversionen {digest[:12]} hör till {row.program_id}, inte {program_id}.")
    with cache.lock_for(digest):  # one thread loads a version; the others wait for its result
        program = cache.programs.get(digest)
        if program is None:
            program = load_version(row, Path(current_app.config["DATA_DIR"]) / FOLDER)
            cache.programs[digest] = program
    return program


def warn_missing_snapshot(program_id: str, digest: str) -> None:
    """Log once per digest that moments on it fall back to the installed program (started before snapshots)."""
    cache = _cache()
    if digest in cache.warned:
        return
    with cache.lock:
        if digest in cache.warned:
            return
        cache.warned.add(digest)
    log.warning("program %s: no snapshot of version %s; its moments use the installed program",
                program_id, digest[:12])


def load_version(row: ProgramVersion, root: Path) -> Program:
    """Write the snapshot to `root/<digest>/` (once) and load it; its digest must match the stored one."""
    folder = materialise(row, root)
    program = _load(row, folder)
    if program is None or program.digest != row.digest:
        # a folder left half-written or edited by hand: write it again from the database, once
        shutil.rmtree(folder, ignore_errors=True)
        program = _load(row, materialise(row, root))
    if program is None or program.digest != row.digest:
        log.error("program %s: snapshot %s does not load back to the same digest", row.program_id, row.digest[:12])
        raise ServiceError(f"Programversion {row.version} av {row.program_id} kunde inte läsas in.")
    return program


def materialise(row: ProgramVersion, root: Path) -> Path:
    """Lay the snapshot out as the loader expects: `<digest>/<id>.yaml` and `<digest>/content/<id>/…`."""
    if not _DIGEST.fullmatch(row.digest) or not _ID.fullmatch(row.program_id):
        raise ServiceError(f"Ogiltig programversion: {row.program_id} {row.digest[:12]}.")
    folder = root / row.digest
    if folder.is_dir():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    # write into a private folder and rename it into place: readers never see a half-written version
    tmp = Path(tempfile.mkdtemp(prefix=f".{row.digest}.", dir=root))
    try:
        (tmp / f"{row.program_id}.yaml").write_bytes(row.source.encode("utf-8"))
        content = tmp / "content" / row.program_id
        for relative, text in (row.files or {}).items():
            target = content.joinpath(*_safe_parts(relative))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        os.rename(tmp, folder)
    except OSError:
        if not folder.is_dir():  # not just another process winning the rename
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _safe_parts(relative: str) -> tuple[str, ...]:
    """The parts of a stored content path; refuses anything that could leave the content folder."""
    path = PurePosixPath(relative)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts) \
            or path.suffix != ".md" or "\\" in relative:
        raise ServiceError(f"Ogiltig sökväg i programversionen: {relative!r}.")
    return path.parts


def _load(row: ProgramVersion, folder: Path) -> Program | None:
    """Load the written-out version; None (logged) when the loader refuses it.

    A snapshot keeps the program's YAML and its own pages, not its translations: its patients read it in
    the program's language. So its declared translations are dropped (`translating` lets the loader
    through the safety rule for untranslated texts, which then never reach a patient)."""
    try:
        program = load_program(folder / f"{row.program_id}.yaml", translating=True)
    except ProgramError as exc:
        log.error("program %s: snapshot %s no longer loads:\n%s", row.program_id, row.digest[:12], exc)
        return None
    return replace(program, translations=frozen_map({}))
