"""Which database the state goes to, and how its URL is shown to users."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import StateError
from planner.state import SqlStateStore, database_url, mask_url, normalise_url, open_store
from planner.state.sql.engine import create_state_engine, unreachable_error


@pytest.fixture
def iac_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("IAC_HOME", str(home))
    monkeypatch.delenv("IAC_DATABASE_URL", raising=False)
    return home


def test_default_is_sqlite_under_iac_home(iac_home: Path) -> None:
    assert database_url() == f"sqlite:///{iac_home.resolve() / 'state.db'}"


def test_environment_picks_the_database(iac_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IAC_DATABASE_URL", " postgresql://iac@127.0.0.1/iac ")
    assert database_url() == "postgresql+psycopg://iac@127.0.0.1/iac"
    monkeypatch.setenv("IAC_DATABASE_URL", "")
    assert database_url().startswith("sqlite:///")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////var/lib/iac/state.db", "sqlite:////var/lib/iac/state.db"),
    ],
)
def test_postgres_urls_use_psycopg_3(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://iac:s3cr%40t@127.0.0.1:5432/iac", "postgresql://iac:***@127.0.0.1:5432/iac"),
        ("postgresql://iac@127.0.0.1/iac?password=s3cret&sslmode=disable", None),
        ("sqlite:////tmp/state.db", "sqlite:////tmp/state.db"),
        ("not a url://user:s3cret@host", None),
    ],
)
def test_mask_url_hides_passwords(given: str, expected: str | None) -> None:
    masked = mask_url(given)
    assert "s3cr" not in masked
    if expected is not None:
        assert masked == expected


def test_open_store_uses_the_default_file(iac_home: Path) -> None:
    store = open_store()
    assert isinstance(store, SqlStateStore)
    created = store.create_deployment({"x": 1}, {})
    store.close()
    assert (iac_home / "state.db").exists()
    assert open_store(database_url()).get_deployment(created.id) == created


def test_unreachable_message_is_one_actionable_line() -> None:
    err = unreachable_error(
        "postgresql://iac:s3cret@127.0.0.1:1/iac",
        OSError('connection failed: connection to server at "127.0.0.1", port 1 failed\n\tIs it running?'),
    )
    text = str(err)
    assert "\n" not in text and "s3cret" not in text
    assert text.startswith("cannot open the state database postgresql://iac:***@127.0.0.1:1/iac: ")
    assert text.endswith("start PostgreSQL or set IAC_DATABASE_URL")


def test_garbage_url_is_a_state_error() -> None:
    with pytest.raises(StateError, match="not a database URL"):
        create_state_engine("definitely not a url")


def test_missing_directory_is_a_state_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match=r"cannot open the state database sqlite:///.*IAC_DATABASE_URL"):
        SqlStateStore(f"sqlite:///{tmp_path / 'missing' / 'state.db'}")
