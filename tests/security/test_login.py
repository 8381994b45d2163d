"""Login hardening: constant-cost failures, the limit holds under parallel requests, progressive delay."""
import threading

import pytest

from stegvis_testing import PASSWORD


@pytest.fixture
def verifications(monkeypatch):
    """A spy counting argon2 verifications (the one costly step of a login)."""
    from web.auth.core import passwords

    calls = []
    hasher_of = passwords._hasher

    class Spy:
        def __init__(self, hasher):
            self.hasher = hasher

        def verify(self, hash_, password):
            calls.append(hash_)
            return self.hasher.verify(hash_, password)

        def hash(self, password):
            return self.hasher.hash(password)

    spy = Spy(hasher_of())
    monkeypatch.setattr(passwords, "_hasher", lambda: spy)
    return calls


def test_a_missing_staff_account_costs_the_same_argon2_work_as_a_real_one(client, clinician, verifications):
    # Wall time on a shared test machine is too noisy for a ratio, so the spy counts argon2
    # verifications: the only expensive step, and the one that used to differ (433 ms vs 45 ms).
    for _ in range(20):
        client.post("/logga-in", data={"username": "marita.andersson", "password": "fel-lösenord"})
    existing = len(verifications)
    for _ in range(20):
        client.post("/logga-in", data={"username": "finns.inte", "password": "fel-lösenord"})
    missing = len(verifications) - existing
    assert existing == missing == 5  # the rest were refused by the rate limit before any check


def test_every_kind_of_failed_patient_login_costs_one_verification(client, make_patient, verifications):
    from web.auth.core.passwords import hash_password

    make_patient("196108312460", password_hash=hash_password(PASSWORD))
    make_patient("194910142839")  # no password yet
    tries = [("19610831-2460", "fel"), ("19491014-2839", "fel"), ("19121212-1212", "fel"), ("inte ett nummer", "fel")]
    for number, password in tries:
        before = len(verifications)
        response = client.post("/invanare/logga-in", data={"personnummer": number, "password": password})
        assert response.status_code == 200 and "Fel personnummer eller lösenord." in response.get_data(as_text=True)
        assert len(verifications) - before == 1, number


def test_a_missing_hash_never_verifies(app):
    from web.auth.core.passwords import verify_password

    assert verify_password(None, "") is False
    assert verify_password("", "anything") is False


def test_the_delay_grows_after_the_free_failures_instead_of_a_lock(client, clinician, clock, app):
    wrong = {"username": "marita.andersson", "password": "fel"}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/logga-in", data=wrong).status_code == 200
    assert client.post("/logga-in", data=wrong).status_code == 429
    clock.advance(seconds=2)
    assert client.post("/logga-in", data=wrong).status_code == 200  # 2 s after the 5th failure
    clock.advance(seconds=3)
    assert client.post("/logga-in", data=wrong).status_code == 429  # now 4 s after the 6th
    clock.advance(seconds=60)
    right = {"username": "marita.andersson", "password": PASSWORD}
    assert client.post("/logga-in", data=right).status_code == 302  # never locked for long


def test_one_address_is_limited_across_user_names(client, make_staff, app):
    make_staff("anna.berg")
    limit = app.config["LOGIN_MAX_FAILURES"] * 4
    for n in range(limit):
        client.post("/logga-in", data={"username": f"namn{n}", "password": "fel"})
    assert client.post("/logga-in", data={"username": "anna.berg", "password": PASSWORD}).status_code == 429


@pytest.mark.parametrize("app_config_extra", [{"TRUSTED_PROXIES": 1}])
def test_behind_a_trusted_proxy_the_limit_sees_the_real_client(app, make_staff, app_config_extra):
    make_staff("anna.berg")
    limit = app.config["LOGIN_MAX_FAILURES"] * 4
    for n in range(limit):
        app.test_client().post("/logga-in", data={"username": f"namn{n}", "password": "fel"},
                               headers={"X-Forwarded-For": "203.0.113.7"})
    other = app.test_client().post("/logga-in", data={"username": "anna.berg", "password": PASSWORD},
                                   headers={"X-Forwarded-For": "198.51.100.9"})
    assert other.status_code == 302


def test_parallel_wrong_logins_cannot_pass_the_limit(app, clinician, verifications):
    threads_n = 12
    barrier = threading.Barrier(threads_n)
    statuses = []

    def attempt():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/logga-in", data={"username": "marita.andersson", "password": "fel"}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == threads_n
    assert len(verifications) <= app.config["LOGIN_MAX_FAILURES"]
    assert statuses.count(429) >= threads_n - app.config["LOGIN_MAX_FAILURES"]
