"""Security tests: `app_config_extra` (parametrise it) adds configuration to the shared test app."""
import pytest


@pytest.fixture
def app_config_extra():
    return {}


@pytest.fixture
def app_config(app_config, app_config_extra):
    return {**app_config, **app_config_extra}
