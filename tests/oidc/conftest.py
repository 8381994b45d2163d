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
