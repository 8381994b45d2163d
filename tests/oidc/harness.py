"""Start and stop the loopback OpenID Connect test provider (tests/oidc/provider), and log in without a browser.

The provider is panva's `oidc-provider` (an OpenID Certified implementation) run by Node.js; see
tests/oidc/README.md for its users, clients, fault modes and the selectors of its pages.

    from tests.oidc.harness import running_provider, browserless_login

    with running_provider() as op:                      # default clients and users
        op.issuer                                       # "http://127.0.0.1:PORT"
        op.discovery_url                                # issuer + "/.well-known/openid-configuration"
        op.client("stegvis")                            # {"client_id": ..., "client_secret": ...}
        op.rotate_keys()                                # a new signing key, the previous one still published

No pytest import here: the fixtures live in tests/oidc/conftest.py.
"""
from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
PROVIDER_SCRIPT = PROVIDER_DIR / "provider.mjs"

#: the default configuration's clients (client_id → fault); each one's secret is "<client_id>-secret"
DEFAULT_CLIENTS = {
    "stegvis": "none",
    "stegvis-post": "none",  # token_endpoint_auth_method client_secret_post
    "stegvis-fault-nonce": "nonce",
    "stegvis-fault-expired": "expired",
    "stegvis-fault-audience": "audience",
    "stegvis-fault-signature": "signature",
}
FAULTS = ("none", "nonce", "expired", "audience", "signature")
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
#: the default configuration's test users: account id (what the login form takes) → claims
DEFAULT_ACCOUNTS = {
    "jane": {"kind": "patient", "name": "Jane Doe", "personnummer": "196108312460"},
    "marita": {"kind": "staff", "name": "Marita Andersson", "hsa_id": "SE2321000131-E000000000001"},
    "unknown-patient": {"kind": "patient", "name": "Ulla Okänd", "personnummer": "197309151004"},
    "unknown-staff": {"kind": "staff", "name": "Olle Okänd", "hsa_id": "SE2321000131-E000000000999"},
}


class ProviderError(RuntimeError):
    """The provider could not be installed or started (the message carries its stderr)."""


# ------------------------------------------------------------------------------------------------ install


def _node_modules_current(provider_dir: Path) -> bool:
    """True when node_modules matches package-lock.json (npm writes node_modules/.package-lock.json)."""
    installed = provider_dir / "node_modules" / ".package-lock.json"
    lock = provider_dir / "package-lock.json"
    if not installed.is_file() or not (provider_dir / "node_modules" / "oidc-provider" / "package.json").is_file():
        return False
    wanted = json.loads(lock.read_text(encoding="utf-8")).get("packages", {})
    have = json.loads(installed.read_text(encoding="utf-8")).get("packages", {})
    return all(have.get(path, {}).get("version") == meta.get("version")
               for path, meta in wanted.items() if path.startswith("node_modules/"))


def ensure_installed(provider_dir: Path = PROVIDER_DIR, *, timeout: float = 300.0) -> None:
    """Run `npm ci` when node_modules is missing or out of date; otherwise touch nothing (works offline)."""
    if shutil.which("node") is None:
        raise ProviderError("Node.js is not installed (Debian: apt-get install nodejs npm)")
    if _node_modules_current(provider_dir):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise ProviderError(f"{provider_dir}/node_modules is missing and npm is not installed")
    try:
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=provider_dir,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ProviderError(f"npm ci did not finish within {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise ProviderError(f"npm ci failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


# ------------------------------------------------------------------------------------------------ process


@dataclass
class RunningProvider:
    """A started provider process; `ready` is the JSON line it printed when it listened."""

    issuer: str
    port: int
    ready: dict[str, Any]
    process: subprocess.Popen
    stderr_path: Path
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def client(self, client_id: str = "stegvis") -> dict[str, str]:
        """client_id and client_secret of a configured client (the default secret is "<client_id>-secret")."""
        for c in self.config.get("clients") or []:
            if c["client_id"] == client_id:
                return {"client_id": client_id, "client_secret": c.get("client_secret", "")}
        if "clients" not in self.config and client_id in DEFAULT_CLIENTS:
            return {"client_id": client_id, "client_secret": f"{client_id}-secret"}
        raise KeyError(f"no client {client_id!r} in this provider's configuration")

    def rotate_keys(self, timeout: float = 10.0) -> dict[str, Any]:
        """A fresh signing key; the previous signing key stays in the JWKS. Returns kids and signing_kid."""
        return self._harness_call("POST", "/__harness/rotate-keys", timeout)

    def state(self, timeout: float = 10.0) -> dict[str, Any]:
        """The provider's current key ids and clients with their fault modes."""
        return self._harness_call("GET", "/__harness/state", timeout)

    def _harness_call(self, method: str, path: str, timeout: float) -> dict[str, Any]:
        import requests

        resp = requests.request(method, self.issuer + path, timeout=timeout)
        resp.raise_for_status()
        return resp.json()

    def stderr_text(self) -> str:
        """What the provider wrote on stderr so far (notices, `fault ...` lines, errors)."""
        try:
            return self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds."""
        proc = self.process
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=timeout)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()
        try:
            self.stderr_path.unlink()
        except FileNotFoundError:
            pass


def _read_ready_line(proc: subprocess.Popen, timeout: float) -> bytes:
    """The first stdout line, read as it arrives; ProviderError if the process exits or `timeout` passes."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no ready line within {timeout:.1f} s")
            if not sel.select(timeout=left):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:  # EOF: the process ended (or closed stdout) before it was ready
                raise EOFError("the provider exited before it was ready")
            buf += chunk
    return buf.split(b"\n", 1)[0]


def start_provider(config: Mapping[str, Any] | None = None, *, fault: str | None = None, port: int = 0,
                   timeout: float = 30.0, node: str | None = None, install: bool = True) -> RunningProvider:
    """Start the provider on 127.0.0.1 and return once it listens (read from its ready line, no polling).

    `config` is merged over the provider's defaults key by key (see README: clients, accounts, acr_values,
    scope_claims, id_token_claims, keys, auto_submit_logout, log_requests). `fault` applies one fault mode
    to every client. `port` 0 picks a free port. Call `stop()` (or use `running_provider`) afterwards.
    """
    if fault is not None and fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}")
    if install:
        ensure_installed()
    node = node or shutil.which("node")
    if node is None:
        raise ProviderError("Node.js is not installed (Debian: apt-get install nodejs npm)")
    config = dict(config or {})
    argv = [node, str(PROVIDER_SCRIPT), "--port", str(port), "--exit-on-stdin-close"]
    if config:
        argv += ["--config-json", json.dumps(config)]
    if fault is not None:
        argv += ["--fault", fault]

    fd, stderr_name = tempfile.mkstemp(prefix="oidc-provider-", suffix=".log")
    stderr_path = Path(stderr_name)
    with os.fdopen(fd, "wb") as stderr_file:
        # stdin stays open as a lifeline: the provider exits when this process goes away, even when killed
        proc = subprocess.Popen(argv, cwd=PROVIDER_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=stderr_file, env={**os.environ, "NODE_ENV": "test"})
    running = RunningProvider(issuer="", port=0, ready={}, process=proc, stderr_path=stderr_path, config=config)
    try:
        line = _read_ready_line(proc, timeout)
        ready = json.loads(line)
        running.issuer, running.port, running.ready = ready["issuer"], int(ready["port"]), ready
    except (TimeoutError, EOFError, ValueError, KeyError) as exc:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        message = f"the OIDC test provider did not start: {exc}\n--- stderr ---\n{running.stderr_text()}"
        running.stop()
        raise ProviderError(message) from exc
    return running


@contextmanager
def running_provider(config: Mapping[str, Any] | None = None, **kwargs: Any) -> Iterator[RunningProvider]:
    """`start_provider` as a context manager: the provider is stopped on exit."""
    op = start_provider(config, **kwargs)
    try:
        yield op
    finally:
        op.stop()


# ------------------------------------------------------------------------------------------------ browserless login


class _Forms(HTMLParser):
    """The forms of a page: id → {"action": ..., "method": ..., "fields": {name: value}}."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = a.get("id", f"form-{len(self.forms)}")
            self.forms[self._current] = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                                         "fields": {}}
        elif tag == "input" and self._current is not None and a.get("name"):
            self.forms[self._current]["fields"][a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def page_forms(html: str) -> dict[str, dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def _same_origin(url: str, issuer: str) -> bool:
    a, b = urlsplit(url), urlsplit(issuer)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _follow_on_provider(session, resp, issuer: str, timeout: float, max_hops: int = 10):
    """Follow redirects while they stay on the provider; return (response, url_leaving_provider_or_None)."""
    for _ in range(max_hops):
        if resp.status_code not in (301, 302, 303, 307, 308):
            return resp, None
        location = urljoin(resp.url, resp.headers["Location"])
        if not _same_origin(location, issuer):
            return resp, location
        resp = session.get(location, allow_redirects=False, timeout=timeout)
    raise ProviderError("too many redirects on the provider")


def browserless_login(session, authorization_url: str, account: str, *, issuer: str | None = None,
                      acr: str | None = None, timeout: float = 10.0) -> str:
    """Log `account` in at the provider with plain HTTP (a `requests.Session` keeps its cookies).

    Follows the provider's redirects, fills the login form (login = account id, optional acr), lets the
    provider auto-consent, and returns the URL the provider finally redirects to (the client's
    redirect_uri with `code`/`state`/`iss`, or with `error`) WITHOUT requesting it.
    """
    issuer = issuer or f"{urlsplit(authorization_url).scheme}://{urlsplit(authorization_url).netloc}"
    resp = session.get(authorization_url, allow_redirects=False, timeout=timeout)
    resp, leaving = _follow_on_provider(session, resp, issuer, timeout)
    if leaving:  # already signed in at the provider: no login page
        return leaving
    form = page_forms(resp.text).get("login-form")
    if resp.status_code != 200 or form is None:
        raise ProviderError(f"expected the login page, got {resp.status_code} at {resp.url}:\n{resp.text[:2000]}")
    data = {"login": account, "acr": acr or ""}
    resp = session.post(urljoin(resp.url, form["action"]), data=data, allow_redirects=False, timeout=timeout)
    resp, leaving = _follow_on_provider(session, resp, issuer, timeout)
    if leaving is None:
        raise ProviderError(f"the provider did not redirect back after login ({resp.status_code}):\n"
                            f"{resp.text[:2000]}")
    return leaving


def browserless_logout(session, logout_url: str, *, issuer: str | None = None, timeout: float = 10.0) -> str:
    """Open the end_session URL, submit the provider's sign-out form, return where it redirects (not requested).

    Returns the post_logout_redirect_uri (with `state`) or, without one, the provider's own success page URL.
    """
    issuer = issuer or f"{urlsplit(logout_url).scheme}://{urlsplit(logout_url).netloc}"
    resp = session.get(logout_url, allow_redirects=False, timeout=timeout)
    resp, leaving = _follow_on_provider(session, resp, issuer, timeout)
    if leaving:
        return leaving
    form = page_forms(resp.text).get("op.logoutForm")
    if resp.status_code != 200 or form is None:
        raise ProviderError(f"expected the sign-out page, got {resp.status_code}:\n{resp.text[:2000]}")
    data = {**form["fields"], "logout": "yes"}
    resp = session.post(urljoin(resp.url, form["action"]), data=data, allow_redirects=False, timeout=timeout)
    resp, leaving = _follow_on_provider(session, resp, issuer, timeout)
    return leaving or resp.url
