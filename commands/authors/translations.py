"""`stegvis translations update|stamp`: the translator's side of content/<program>/<lang>/.

update  writes (or merges into) <lang>/program.po every YAML text of the program, msgctxt = its id path,
        msgid = the Swedish text. Existing translations are kept; an entry whose Swedish text changed is
        marked fuzzy with the previous text (#| msgid), so PO editors (Poedit, Lokalize, Weblate) show
        what changed. For every module declared complete (`translations: {L: {complete: [...]}}`) it writes
        a stub of each step page not there yet: the Swedish page under a note, without front matter, so
        it is not shown to patients until translated and stamped. It then lists the pages to review.
stamp   records in a translated page's front matter the sha256 of the Swedish page it now matches
        (after translating or reviewing it), so `stegvis validate` no longer calls it stale.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

import click


def _load(path: str):
    from engine.errors import EngineError
    from engine.loader import load_program

    try:
        return load_program(path, translating=True)  # it is the tool that fixes untranslated texts
    except EngineError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2)


@click.group()
def translations() -> None:
    """Translations of a program's texts (gettext PO + translated Markdown pages)."""


@translations.command("update")
@click.argument("program", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", "language", required=True, help="Language code, e.g. en or ar.")
def update(program: str, language: str) -> None:
    """Write or merge content/<program>/<lang>/program.po and list the pages to translate."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    from engine.loader.translations import CATALOGUE, split_front_matter
    from engine.translate import fingerprint, is_markdown_key, source_texts

    loaded = _load(program)
    folder = os.path.join(loaded.content_dir, language)
    path = os.path.join(folder, CATALOGUE)
    template = Catalog(locale=language, project=loaded.title, version=loaded.version, fuzzy=False,
                       creation_date=datetime.now(timezone.utc))
    sources = source_texts(loaded)
    for source in sources:
        if not is_markdown_key(source.key):
            template.add(source.text, context=source.key)
    if os.path.exists(path):
        with open(path, "rb") as existing:
            catalog = read_po(existing, locale=language)
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()  # texts removed from the program: nothing left to translate
    else:
        catalog = template
    os.makedirs(folder, exist_ok=True)
    with open(path, "wb") as out:
        write_po(out, catalog, width=100, omit_header=False, include_previous=True, sort_output=False)
    todo = [m for m in catalog if m.id and (m.fuzzy or not m.string)]
    click.echo(f"{path}: {len(catalog)} texts, {len(todo)} to translate or review")
    for source in sources:
        if not is_markdown_key(source.key):
            continue
        page = os.path.join(folder, _content(loaded, source.key))
        if not os.path.exists(page):
            continue  # untranslated pages are listed by `stegvis validate` where they are expected
        with open(page, encoding="utf-8") as f:
            fields, _ = split_front_matter(f.read())
        if not fields.get("source-sha256"):
            click.echo(f"{page}: not translated yet; translate it, then run `stegvis translations stamp`")
        elif fields["source-sha256"] != fingerprint(source.key, source.text):
            click.echo(f"{page}: the Swedish page has changed; review it, then run `stegvis translations stamp`")
    _write_stubs(loaded, language, folder)


@translations.command("stamp")
@click.argument("program", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", "language", required=True, help="Language code, e.g. en or ar.")
@click.argument("pages", nargs=-1)
def stamp(program: str, language: str, pages: tuple[str, ...]) -> None:
    """Mark translated PAGES (paths like steg-1/motivation.md; default: all) as matching today's Swedish pages."""
    from engine.loader.translations import split_front_matter, with_front_matter

    loaded = _load(program)
    folder = os.path.join(loaded.content_dir, language)
    steps = {s.content: s for m in loaded.modules for s in m.steps if s.content}
    unknown = [p for p in pages if p not in steps]
    if unknown:
        raise click.UsageError(f"not a step page of {loaded.id}: {', '.join(unknown)}")
    stamped = 0
    for relative in pages or sorted(steps):
        page = os.path.join(folder, relative)
        if not os.path.exists(page):
            if pages:
                raise click.UsageError(f"{page} does not exist")
            continue
        with open(page, encoding="utf-8") as f:
            _, body = split_front_matter(f.read())
        with open(page, "w", encoding="utf-8") as f:
            f.write(with_front_matter(steps[relative].text, body))
        stamped += 1
    click.echo(f"{stamped} pages stamped in {folder}")


def _write_stubs(program, language: str, folder: str) -> None:
    """A stub (the Swedish page, unstamped) for every missing page of the modules declared complete for `language`."""
    from engine.loader.translations import stub_text

    translation = program.translations.get(language)
    complete = translation.complete if translation else ()
    if not complete:
        click.echo(f"no module is declared complete for {language}: add `translations: {{{language}: {{complete: "
                   "[module ids]}}}` to the program to get its pages to translate")
        return
    written = 0
    for module in program.modules:
        if module.id not in complete:
            continue
        for step in module.steps:
            page = os.path.join(folder, step.content) if step.content else None
            if page is None or os.path.exists(page):
                continue  # never overwrite a page someone may have translated
            os.makedirs(os.path.dirname(page), exist_ok=True)
            with open(page, "w", encoding="utf-8") as out:
                out.write(stub_text(step.text, language, step.content))
            click.echo(f"{page}: stub written (the Swedish page); translate it, then run `stegvis translations stamp`")
            written += 1
    click.echo(f"{written} page stubs written for the modules declared complete ({', '.join(complete)})")


def _content(program, key: str) -> str:
    _, module_id, _, step_id, _ = key.split("/")
    return program.step(module_id, step_id).content
