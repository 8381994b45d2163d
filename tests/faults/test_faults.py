"""Faults survived: two app nodes and two workers on one PostgreSQL of our own, under a scripted load.

During the load one worker is SIGKILLed in the middle of delivering a notice, one app node is
SIGKILLed, and PostgreSQL is stopped and started again. Afterwards every answer and message the load
recorded as accepted is in the database exactly once, the draft keeps its last saved text, and every
e-mail notice reached the SMTP server under its own Message-ID (once, or twice with the same
Message-ID when a fault struck between the server's acceptance and the worker's commit). The figures go to <tmp>/figures.json and into
every assertion message.
"""
from __future__ import annotations

import json
import secrets
from collections import Counter, defaultdict

import pytest
import requests

from faults_support import Cluster, CountingSmtp, Postgres, csrf_of, wait_for

pytestmark = pytest.mark.faults

JANE, PASSWORD, CLINICIAN = "19610831-2460", "demo1234", "marita.andersson"
MOMENT = 1
STEP = f"/stod-och-behandling/{MOMENT}/modul/steg-1/motivation"
FORM = f"{STEP}/formular/skal"
NEW_MESSAGE = f"/stod-och-behandling/{MOMENT}/meddelanden/ny"
HANTERA = f"/moment/{MOMENT}/hantera"
UNAVAILABLE = "Tjänsten är tillfälligt otillgänglig"


class Load:
    """Scripted users on the nodes; records every status per phase and what the app accepted."""

    def __init__(self, nodes: dict[str, str]):
        self.nodes = nodes
        self.phase = "start"
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.requests = 0
        self.answers: dict[str, str] = {}  # submit token → text, accepted (302)
        self.messages: list[str] = []  # bodies accepted (302)
        self.unsure_messages: list[str] = []  # no answer (connection lost): at most once
        self.draft: str | None = None  # the last draft text the app accepted
        self.sessions: dict[str, tuple[requests.Session, str]] = {}

    def call(self, user: str, method: str, path: str, node: str | None = None, **kw) -> requests.Response | None:
        session, home = self.sessions[user]
        base = self.nodes[node or home]
        self.requests += 1
        try:
            response = session.request(method, base + path, allow_redirects=False, timeout=30, **kw)
        except requests.ConnectionError:
            self.statuses[self.phase]["connection error"] += 1
            return None
        self.statuses[self.phase][response.status_code] += 1
        assert response.status_code != 500 and "Traceback" not in response.text, \
            f"{method} {path} on {base}: {response.status_code}\n{response.text[:2000]}\n{self.figures()}"
        return response

    def login_patient(self, user: str, node: str) -> None:
        self.sessions[user] = (requests.Session(), node)
        page = self.call(user, "GET", "/invanare/logga-in")
        done = self.call(user, "POST", "/invanare/logga-in",
                         data={"csrf_token": csrf_of(page.text), "personnummer": JANE, "password": PASSWORD})
        assert done.status_code == 302, f"patient login on {node}: {done.status_code}"

    def login_clinician(self, user: str, node: str) -> None:
        self.sessions[user] = (requests.Session(), node)
        page = self.call(user, "GET", "/logga-in")
        done = self.call(user, "POST", "/logga-in",
                         data={"csrf_token": csrf_of(page.text), "username": CLINICIAN, "password": PASSWORD})
        assert done.status_code == 302, f"clinician login on {node}: {done.status_code}"

    def patient_round(self, user: str, i: int) -> None:
        page = self.call(user, "GET", STEP)
        if page is None or page.status_code != 200:
            return
        csrf = csrf_of(page.text)
        token, text = secrets.token_hex(16), f"svar {user} {i} {secrets.token_hex(4)}"
        sent = self.call(user, "POST", FORM, data={"csrf_token": csrf, "stegvis-atgard": "skicka",
                                                   "stegvis-token": token, "skal": "halsa", "viktigt": "7",
                                                   "egna_ord": text})
        if sent is not None and sent.status_code == 302:
            self.answers[token] = text
        self.save_draft(user, csrf, f"utkast {user} {i}")
        self.send_message(user, f"meddelande {user} {i} {secrets.token_hex(4)}")

    def save_draft(self, user: str, csrf: str, text: str) -> None:
        saved = self.call(user, "POST", FORM, data={"csrf_token": csrf, "stegvis-atgard": "spara",
                                                    "egna_ord": text})
        if saved is not None and saved.status_code == 302:
            self.draft = text

    def send_message(self, user: str, body: str) -> None:
        page = self.call(user, "GET", NEW_MESSAGE)
        if page is None or page.status_code != 200:
            return
        sent = self.call(user, "POST", NEW_MESSAGE, data={"csrf_token": csrf_of(page.text),
                                                          "subject": "Fråga", "body": body})
        if sent is None:
            self.unsure_messages.append(body)
        elif sent.status_code == 302:
            self.messages.append(body)

    def clinician_round(self, user: str, i: int) -> None:
        page = self.call(user, "GET", HANTERA)
        if page is None or page.status_code != 200:
            return
        done = self.call(user, "POST", f"/moment/{MOMENT}/modul/dagar",
                         data={"csrf_token": csrf_of(page.text), "module": "steg-1", "days": str(10 + i % 20)})
        assert done is None or done.status_code in (302, 503), f"Dagar kvar: {done.status_code}"

    def rounds(self, n: int, start: int) -> None:
        for i in range(start, start + n):
            for user in self.sessions:
                (self.clinician_round if user.startswith("behandlare") else self.patient_round)(user, i)

    def figures(self) -> str:
        return json.dumps({"requests sent": self.requests,
                           "statuses per phase": {p: {str(k): v for k, v in c.items()}
                                                  for p, c in self.statuses.items()},
                           "answers accepted": len(self.answers), "messages accepted": len(self.messages),
                           "messages without answer": len(self.unsure_messages)}, ensure_ascii=False, indent=1)


def test_two_nodes_two_workers_survive_killed_processes_and_a_database_restart(tmp_path):
    pg = Postgres()
    results: dict = {}
    with CountingSmtp() as smtp:
        cluster = Cluster.make(tmp_path, pg, smtp)
        try:
            pg.init()
            cluster.cli("db", "upgrade")
            cluster.cli("demo", "--seed-only")
            node_a, url_a = cluster.node("node-a")
            node_b, url_b = cluster.node("node-b")
            worker_1 = cluster.worker("worker-1")
            cluster.worker("worker-2")
            load = Load({"a": url_a, "b": url_b})
            load.login_patient("patient-a", "a")
            load.login_patient("patient-b", "b")
            load.login_clinician("behandlare-a", "a")

            def figures() -> str:
                return json.dumps(results, ensure_ascii=False, indent=1) + "\n" + load.figures()

            load.phase = "normal"
            load.rounds(3, 0)

            # 1. a worker is SIGKILLed while it holds a claimed notice, in the middle of the SMTP dialogue
            load.phase = "worker killed"
            smtp.hold_sender = "worker-1@example.se"
            sent = iter(range(100, 200))
            wait_for("worker-1 to be delivering a notice",
                     lambda: smtp.held.is_set() or load.send_message("patient-a", f"meddelande hold {next(sent)}"),
                     deadline=60, every=0.2)
            worker_1.kill()
            smtp.release.set()
            results["worker killed mid-delivery"] = True
            cluster.worker("worker-3")
            load.rounds(2, 10)

            # 2. app node A is SIGKILLed: its sessions go on on node B with the same cookies
            load.phase = "node killed"
            node_a.kill()
            for user in ("patient-a", "behandlare-a"):
                page = load.call(user, "GET", STEP if user.startswith("patient") else HANTERA, node="b")
                assert page.status_code == 200, f"{user}'s session on node B: {page.status_code}\n{figures()}"
            load.sessions = {user: (session, "b") for user, (session, _) in load.sessions.items()}
            load.rounds(2, 20)

            # 3. PostgreSQL goes down: 503 with Retry-After in Swedish, /readyz unready; then it comes back
            load.phase = "database down"
            pg.stop()
            for i in range(3):
                load.rounds(1, 30 + i)
            down = load.call("patient-b", "GET", STEP)
            assert down.status_code == 503 and down.headers.get("Retry-After") and UNAVAILABLE in down.text, \
                f"during the outage: {down.status_code} {dict(down.headers)}\n{figures()}"
            ready = load.call("patient-b", "GET", "/readyz", headers={"Authorization": "Bearer metrics-token"})
            assert ready.status_code == 503 and ready.json()["checks"]["database"] != "ok", figures()
            outage = dict(load.statuses["database down"])
            assert set(outage) == {503}, f"every request during the outage gets 503: {outage}\n{figures()}"
            pg.start()
            load.phase = "database back"
            wait_for("the pool to recover", lambda: load.call("patient-b", "GET", STEP).status_code == 200)
            wait_for("/readyz to be ready again (workers beat again)",
                     lambda: load.call("patient-b", "GET", "/readyz").status_code == 200, deadline=30, every=0.3)
            load.rounds(3, 40)
            page = load.call("patient-b", "GET", STEP)
            load.save_draft("patient-b", csrf_of(page.text), "utkast sist")

            # 4. afterwards: every notice delivered exactly once; answers, messages and the draft intact
            def settled():
                left = pg.query("SELECT count(*) FROM notice WHERE status = 'queued'")[0][0]
                return left == 0
            wait_for("every queued notice to be delivered", settled, deadline=60, every=0.3)
            email = dict(pg.query("SELECT status, count(*) FROM notice WHERE channel = 'email' GROUP BY status"))
            received = list(smtp.messages)
            ids = Counter(message_id for _, message_id in received)
            results.update({
                "e-mail notices sent": email.get("sent", 0), "e-mail notices failed": email.get("failed", 0),
                "SMTP messages received": len(received), "distinct Message-IDs": len(ids),
                "delivered by": dict(Counter(sender.split("@")[0] for sender, _ in received)),
                "duplicate copies (same Message-ID)": len(received) - len(ids),
            })
            found = dict(pg.query("SELECT submit_token, count(*) FROM form_response "
                                  "WHERE submit_token = ANY(%s) GROUP BY submit_token", list(load.answers)))
            bodies = dict(pg.query("SELECT body, count(*) FROM message WHERE body = ANY(%s) GROUP BY body",
                                   load.messages + load.unsure_messages))
            drafts = pg.query("SELECT answers FROM form_response WHERE enrollment_id = %s AND form_id = 'skal' "
                              "AND status = 'draft'", MOMENT)
            results.update({"answers written": len(load.answers), "answers found once": sum(
                1 for t in load.answers if found.get(t) == 1), "messages written": len(load.messages),
                "messages found once": sum(1 for b in load.messages if bodies.get(b) == 1),
                "unanswered messages found": sum(bodies.get(b, 0) for b in load.unsure_messages),
                "last draft": load.draft, "draft in database": [row[0].get("egna_ord") for row in drafts]})
            (tmp_path / "figures.json").write_text(figures())

            assert results["e-mail notices failed"] == 0, figures()
            # every sent notice arrived under its own Message-ID; a copy arrives only when the send was
            # accepted but its commit was lost (the database stopped, or the worker died, in between) —
            # at most one per fault, with the same Message-ID so the receiving side can drop it
            sent_ids = {f"<notice-{i}-" for (i,) in pg.query("SELECT id FROM notice WHERE channel = 'email' "
                                                              "AND status = 'sent'")}
            assert email.get("sent", 0) > 0 and len(ids) == email["sent"], figures()
            assert {m.split("-", 2)[0] + "-" + m.split("-", 2)[1] + "-" for m in ids} == sent_ids, figures()
            assert len(received) - len(ids) <= 2, figures()
            assert len(load.answers) > 0 and results["answers found once"] == len(load.answers), figures()
            assert len(load.messages) > 0 and results["messages found once"] == len(load.messages), figures()
            assert all(bodies.get(b, 0) <= 1 for b in load.unsure_messages), figures()
            assert results["draft in database"] == ["utkast sist"], figures()
            assert load.statuses["node killed"][200] > 0 and load.statuses["database back"][200] > 0, figures()
        finally:
            cluster.stop_all()
            pg.remove()
