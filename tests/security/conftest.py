"""Security tests: `app_config_extra` (parametrise it) adds configuration to the shared test app."""
import pytest


@pytest.fixture
def app_config_extra():
    return {}


@pytest.fixture
def app_config(app_config, app_config_extra):
    """The shared test configuration with the real session timeouts (web.config defaults)."""
    from web.config import defaults

    real = defaults({})
    timeouts = {k: real[k] for k in ("SESSION_IDLE_MINUTES_STAFF", "SESSION_IDLE_MINUTES_PATIENT",
                                     "SESSION_ABSOLUTE_HOURS")}
    return {**app_config, **timeouts, **app_config_extra}
