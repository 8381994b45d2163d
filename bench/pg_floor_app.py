"""Minimal Flask pages that read PostgreSQL in each way a page can (bench/pg_floor.py serves and measures them).

Each page renders the same small template (a title, a list of links, a form) with a name read from the
`account` table that pg_floor.py creates; they differ only in how they read it. No session, no login, no
CSRF: what is left is the least any Flask page on PostgreSQL pays on this machine.
"""
from __future__ import annotations

import os

import psycopg
from flask import Flask, render_template
from jinja2 import DictLoader
from sqlalchemy import create_engine, text

URL = os.environ["PG_FLOOR_URL"]  # postgresql+psycopg://…/the throw-away database
STATEMENT = "SELECT id, name FROM account WHERE id = :id"
PAGE = """<!doctype html><html lang="sv"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><nav><ul>{% for i in range(8) %}<li><a href="/sida/{{ i }}">Länk {{ i }}</a></li>{% endfor %}</ul></nav>
<main><h1>{{ title }}</h1><p>{{ name }}</p>
<form method="post"><label>Nytt lösenord <input name="a" type="password"></label>
<label>Upprepa <input name="b" type="password"></label><button>Spara</button></form></main></body></html>"""

app = Flask(__name__)
app.jinja_loader = DictLoader({"page.html": PAGE})  # compiled once and cached, as a template file
with_ping = create_engine(URL, pool_pre_ping=True)  # as the app's engine (web/config.py)
without_ping = create_engine(URL, pool_pre_ping=False)
_raw: list[psycopg.Connection] = []  # one autocommit connection per worker, opened on first use


def _page(name: str) -> str:
    return render_template("page.html", title="Byt lösenord", name=name)


@app.route("/ingen-databas")
def no_database() -> str:
    return _page("Marita")


@app.route("/psycopg")
def raw_psycopg() -> str:
    if not _raw:
        _raw.append(psycopg.connect(URL.replace("+psycopg", ""), autocommit=True))
    return _page(_raw[0].execute("SELECT id, name FROM account WHERE id = %s", (1,)).fetchone()[1])


@app.route("/pool")
def pool_without_ping() -> str:
    with without_ping.connect() as conn:
        return _page(conn.execute(text(STATEMENT), {"id": 1}).one()[1])


@app.route("/pool-ping")
def pool_with_ping() -> str:
    with with_ping.connect() as conn:
        return _page(conn.execute(text(STATEMENT), {"id": 1}).one()[1])


@app.route("/pool-ping-5")
def five_statements() -> str:
    with with_ping.connect() as conn:
        names = [conn.execute(text(STATEMENT), {"id": n}).one()[1] for n in range(1, 6)]
    return _page(", ".join(names))


#: (label, path) of each page, cheapest way first
PAGES = [("no database", "/ingen-databas"), ("psycopg, autocommit, 1 statement", "/psycopg"),
         ("SQLAlchemy pool without pre-ping, 1 statement", "/pool"),
         ("SQLAlchemy pool with pre-ping, 1 statement", "/pool-ping"),
         ("SQLAlchemy pool with pre-ping, 5 statements", "/pool-ping-5")]
