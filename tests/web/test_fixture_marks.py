"""The marks of tests/conftest.py: `app_config` adds to the configuration, `sqlite_only` picks the backend."""
import pytest

pytestmark = pytest.mark.app_config(BASE_URL="https://modul.example.se", DEMO=True)


@pytest.mark.app_config(BASE_URL="https://test.example.se", PROGRAMS=lambda request: {"från": request.node.name})
def test_app_config_marks_merge_and_the_closest_mark_wins(app_config, backend):
    assert app_config["BASE_URL"] == "https://test.example.se"
    assert app_config["DEMO"] is True
    assert app_config["PROGRAMS"] == {"från": f"test_app_config_marks_merge_and_the_closest_mark_wins[{backend}]"}
    assert app_config["TESTING"] is True and app_config["WTF_CSRF_ENABLED"] is False


@pytest.mark.sqlite_only
def test_sqlite_only_runs_on_sqlite_alone(request, backend):
    assert backend == "sqlite"
    assert request.node.name == "test_sqlite_only_runs_on_sqlite_alone[sqlite]"
