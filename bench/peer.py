"""The peer page bench_pages.py compares every page with: the Flask tutorial's logged-in blog index.

The tutorial app ("flaskr", pallets/flask examples/tutorial, BSD-3-Clause) is kept outside the project
(`shared/peers/flask-tutorial` beside the checkouts) and only ever run from a temporary copy, as the
README there says: `flask --app flaskr init-db`, gunicorn "flaskr:create_app()", a registered and
logged-in user with 25 posts. Its index is one user lookup from the session cookie, one join over the
posts with their authors and a Jinja template with a base layout, on raw sqlite3.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
#: where the peer is kept: beside the main checkout (../shared) or beside the worktrees (../../shared)
CANDIDATES = [ROOT.parent / "shared" / "peers" / "flask-tutorial",
              ROOT.parent.parent / "shared" / "peers" / "flask-tutorial"]
DEFAULT = next((path for path in CANDIDATES if path.is_dir()), CANDIDATES[0])
APP = "flaskr:create_app()"
POSTS = 25


def prepare(source: Path, folder: Path) -> Path:
    """Copy the tutorial app into `folder` and create its database there; returns the copy."""
    if not (source / "flaskr").is_dir():
        raise SystemExit(f"the peer app is not at {source} (give --peer)")
    copy = folder / "flask-tutorial"
    shutil.copytree(source, copy)
    subprocess.run([sys.executable, "-m", "flask", "--app", "flaskr", "init-db"], cwd=copy,
                   env=environment(copy), check=True, capture_output=True)
    return copy


def environment(copy: Path) -> dict:
    """The environment the copy runs in: its own folder importable, nothing of Stegvis."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "PYTHONPATH")}
    return {**env, "PYTHONPATH": str(copy)}


def _log_in_with_posts(post: Callable[[str, dict], int], index: Callable[[], str], posts: int) -> None:
    """Register and log in a user, write `posts` posts and check that the index shows them: `post(path, data)`
    answers the status, `index()` the index's HTML (over HTTP or through a test client)."""
    user = {"username": "bench", "password": "bench-password"}
    for path in ("/auth/register", "/auth/login"):
        if (status := post(path, user)) != 302:
            raise SystemExit(f"peer {path} failed: {status}")
    for n in range(posts):
        if (status := post("/create", {"title": f"Inlägg {n + 1}", "body": f"Text nummer {n + 1}. " * 8})) != 302:
            raise SystemExit(f"peer /create failed: {status}")
    page = index()
    if page.count('<article class="post">') != posts or "Log Out" not in page:
        raise SystemExit("the peer's index does not show the logged-in user's posts")


def log_in_with_posts(base: str, posts: int = POSTS) -> str:
    """Log in a user with `posts` posts on the peer served at `base`; returns the Cookie header of its session."""
    import requests

    s = requests.Session()
    _log_in_with_posts(lambda path, data: s.post(base + path, data=data, allow_redirects=False).status_code,
                       lambda: s.get(base + "/").text, posts)
    return "; ".join(f"{k}={v}" for k, v in s.cookies.items())


def in_process_client(copy: Path, posts: int = POSTS) -> Any:
    """A test client of the peer built in this process from `copy` (a fresh `prepare`: its index then shows
    exactly these posts, as the served peer's does), logged in as a user with `posts` posts."""
    sys.path.insert(0, str(copy))
    from flaskr import create_app  # the tutorial app, from the temporary copy only

    client = create_app().test_client()
    _log_in_with_posts(lambda path, data: client.post(path, data=data).status_code,
                       lambda: client.get("/").get_data(as_text=True), posts)
    return client
