"""`stegvis diff OLD NEW` and the git side of `stegvis validate --against REV`.

A program argument is a YAML path or `path@REV` (any git revision: HEAD~3, a tag, a commit). For a
revision, the YAML and its content/<id>/ Markdown files are read with `git show REV:path` into a
temporary folder and loaded with the normal loader; the comparison itself is the pure
engine.authoring.diff. Exit codes: 0 every change safe or mapped, 1 something needs a mapping or
breaks answers, 2 usage or load errors.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass

import click

from engine.loader.yamlpos import parse_yaml


class RevisionError(Exception):
    """The file could not be read at the revision (not in git, unknown revision, not in that commit)."""


@dataclass(frozen=True)
class Source:
    """A program as text: where it came from (for messages), the YAML, and its content folder."""

    name: str
    text: str
    content_dir: str | None


def _git(cwd: str, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise RevisionError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        raise RevisionError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "git failed")
    return done.stdout


def _show(top: str, rev: str, relative: str) -> str:
    try:
        return _git(top, "show", f"{rev}:{relative}")
    except RevisionError as exc:
        raise RevisionError(f"{relative} at {rev}: {exc}") from None


def read_revision(path: str, rev: str, workdir: str) -> Source:
    """The program at `path` as it was at `rev`, with its Markdown written under `workdir`."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RevisionError(f"no such folder: {os.path.dirname(path) or '.'}")
    top = _git(folder, "rev-parse", "--show-toplevel").strip()
    relative = os.path.relpath(os.path.abspath(path), top).replace(os.sep, "/")
    text = _show(top, rev, relative)
    data = parse_yaml(text, path).data  # as the loader reads it; a syntax error is reported when loading
    program_id = data.get("id") if isinstance(data, dict) else None
    content_dir = None
    if isinstance(program_id, str) and "/" not in program_id and program_id not in ("", ".", ".."):
        base = os.path.dirname(relative)
        for candidate in (os.path.join(base, "content", program_id), os.path.join(base, "..", "content", program_id)):
            folder_at_rev = os.path.normpath(candidate).replace(os.sep, "/")
            if folder_at_rev.startswith(".."):
                continue
            listed = _git(top, "ls-tree", "-r", "--name-only", rev, "--", folder_at_rev + "/").splitlines()
            if not listed:
                continue
            content_dir = os.path.join(workdir, folder_at_rev)
            for name in listed:
                if name.endswith(".md"):
                    target = os.path.join(workdir, name)
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "w", encoding="utf-8") as out:
                        out.write(_show(top, rev, name))
            break
    return Source(f"{path}@{rev}", text, content_dir)


def split_revision(argument: str) -> tuple[str, str | None]:
    """`path@REV` → (path, REV); an existing file whose name has an @ is a path."""
    if os.path.exists(argument) or "@" not in argument:
        return argument, None
    path, rev = argument.rsplit("@", 1)
    if not path or not rev:
        raise click.BadParameter(f"expected PATH or PATH@REV, received {argument!r}")
    return path, rev


def load_source(argument: str, workdir: str):
    """(name, Program or None, problems) for a PATH or PATH@REV argument."""
    from engine.loader import check_program, check_text

    path, rev = split_revision(argument)
    if rev is None:
        if not os.path.isfile(path):
            raise click.BadParameter(f"no such file: {path}")
        program, problems = check_program(path)
        return path, program, problems
    source = read_revision(path, rev, os.path.join(workdir, rev.replace("/", "_")))
    # an old revision is compared by structure: its translations are not laid out, so their safety
    # rule (an error on the installed program) must not stop the comparison
    program, problems = check_text(source.text, source.name, content_dir=source.content_dir or
                                   os.path.join(workdir, "no-content"), translating=True)
    return source.name, program, problems


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def diff(old: str, new: str, fmt: str) -> None:
    """Compare two versions of a program: OLD and NEW are YAML paths or PATH@REV (git), e.g.
    programs/tobakshjalpen.yaml@HEAD~3. Every change is safe, mapped, needs mapping or breaking;
    exit 0 when all are safe or mapped, 1 otherwise, 2 on usage or load errors."""
    import json

    from engine.authoring.diff import diff_data, diff_programs, diff_text

    loaded = []
    with tempfile.TemporaryDirectory(prefix="stegvis-diff-") as workdir:
        for argument in (old, new):
            try:
                name, program, problems = load_source(argument, workdir)
            except RevisionError as exc:
                click.echo(f"error: {exc}", err=True)
                raise SystemExit(2)
            errors = [p for p in problems if p.severity == "error"]
            if program is None or errors:
                for problem in errors:
                    click.echo(problem.format(), err=True)
                raise SystemExit(2)
            loaded.append((name, program))
    (old_name, old_program), (new_name, new_program) = loaded
    result = diff_programs(old_program, new_program)
    if fmt == "json":
        click.echo(json.dumps(diff_data(result, old_name, new_name), ensure_ascii=False, indent=2))
    else:
        click.echo(diff_text(result, old_name, new_name), nl=False)
    raise SystemExit(0 if result.ok else 1)


def against_problems(path: str, program, rev: str):
    """Warnings of `validate --against REV` for a program loaded from `path` (None: nothing to compare)."""
    from engine.authoring.baseline import baseline_problems
    from engine.loader import check_text

    with tempfile.TemporaryDirectory(prefix="stegvis-validate-") as workdir:
        try:
            source = read_revision(path, rev, workdir)
        except RevisionError:
            return None
        baseline, _ = check_text(source.text, source.name,
                                 content_dir=source.content_dir or os.path.join(workdir, "no-content"))
    if baseline is None:
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return baseline_problems(program, text, baseline, source.name)


def in_git(path: str) -> bool:
    try:
        _git(os.path.dirname(os.path.abspath(path)), "rev-parse", "--show-toplevel")
    except RevisionError:
        return False
    return True


def with_baseline_problems(results: list, rev: str, strict: bool) -> list:
    """validate --against REV: add the warnings of comparing each loaded program with its version at REV."""
    from engine.errors import Problem

    extended = []
    for path, program, problems in results:
        if not in_git(path):
            raise click.UsageError(f"--against {rev}: {path} is not in a git repository")
        found = against_problems(path, program, rev) if program is not None else []
        if found is None:
            click.echo(f"note: {path} cannot be loaded at {rev}; nothing to compare with", err=True)
            found = []
        if strict:
            found = [Problem(p.location, p.message, "error") for p in found]
        problems = problems + found
        if any(p.severity == "error" for p in found):
            program = None
        extended.append((path, program, problems))
    return extended
