"""Fixtures for tests that log in against the loopback OpenID Connect test provider (tests/oidc/harness.py).

    def test_something(oidc_provider):            # one provider for the whole session, default config
        oidc_provider.issuer, oidc_provider.client("stegvis")

    def test_other(oidc_provider_factory):         # a provider of your own (stopped at session end)
        op = oidc_provider_factory({"clients": [...]}, fault="nonce")

Other test directories can use the same fixtures with `pytest_plugins`-free imports:
`from tests.oidc.conftest import oidc_provider, oidc_provider_factory  # noqa: F401`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.oidc.harness import RunningProvider, start_provider


@pytest.fixture(scope="session")
def oidc_provider_factory() -> Iterator[Callable[..., RunningProvider]]:
    """start(config=None, *, fault=None, port=0, timeout=30.0) → RunningProvider; all stopped at session end."""
    started: list[RunningProvider] = []

    def start(config: dict[str, Any] | None = None, **kwargs: Any) -> RunningProvider:
        op = start_provider(config, **kwargs)
        started.append(op)
        return op

    yield start
    for op in started:
        op.stop()


@pytest.fixture(scope="session")
def oidc_provider(oidc_provider_factory) -> RunningProvider:
    """The provider with the default clients and users (see tests/oidc/README.md), shared by the session."""
    return oidc_provider_factory()


# ------------------------------------------------------------------------------------------------ the browser test
# the same Chromium setup as tests/e2e/conftest.py, for test_provider_pages_in_chromium.py only


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium (Playwright's own download cannot run offline), sandbox-free for CI."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def base_url():
    """No fixed base URL (replaces pytest-base-url's, deprecated under pytest 9)."""
    return None
