"""TECHNO_DATABASE_URL and TECHNO_AUDIT_SINK: a password only from a file, errors that name it."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings, SettingsError

URL = "postgresql://techno@db.internal:5432/techno"


def test_unset_keeps_sqlite_and_the_file_audit() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.audit_sink == "file"


def test_a_url_without_a_password_is_taken_and_never_shown() -> None:
    settings = Settings.from_env({"TECHNO_DATABASE_URL": URL, "TECHNO_AUDIT_SINK": "postgresql"})
    assert settings.database_url == URL
    assert settings.audit_sink == "postgresql"
    assert "db.internal" not in repr(settings)


@pytest.mark.parametrize(
    "url", ["postgresql://techno:s3cret@db/techno", "postgresql://techno@db/techno?password=s3cret"]
)
def test_a_password_in_the_environment_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(SettingsError, match="TECHNO_DATABASE_URL: carries a password") as refused:
        Settings.from_env({"TECHNO_DATABASE_URL": url})
    assert "s3cret" not in str(refused.value)
    assert "TECHNO_DATABASE_URL_FILE" in str(refused.value)


def test_a_password_in_the_url_file_is_taken(tmp_path: Path) -> None:
    secret = tmp_path / "database-url"
    secret.write_text("postgresql://techno:s3cret@db/techno\n")
    settings = Settings.from_env({"TECHNO_DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "postgresql://techno:s3cret@db/techno"
    assert "s3cret" not in repr(settings)


def test_pgpassword_is_refused_with_the_database_url() -> None:
    with pytest.raises(SettingsError, match=r"PGPASSWORD: not used: .*PGPASSFILE") as refused:
        Settings.from_env({"TECHNO_DATABASE_URL": URL, "PGPASSWORD": "s3cret"})
    assert "s3cret" not in str(refused.value)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"TECHNO_DATABASE_URL": "mysql://db/x"}, "TECHNO_DATABASE_URL: must be a postgresql://"),
        ({"TECHNO_DATABASE_URL": "postgresql://db:port/x"}, "has an invalid port"),
        ({"TECHNO_AUDIT_SINK": "postgresql"}, "TECHNO_AUDIT_SINK: postgresql needs"),
        ({"TECHNO_AUDIT_SINK": "kafka"}, "TECHNO_AUDIT_SINK: must be one of file, postgresql"),
    ],
)
def test_bad_database_settings_name_the_variable(env: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    assert problem in str(refused.value)


def _production(url: str, tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"TECHNO_MODE": "production", "TECHNO_DATA_DIR": str(tmp_path), "TECHNO_DATABASE_URL": url}
    )


def test_production_reaches_a_remote_database_only_over_tls(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="TECHNO_DATABASE_URL: production talks"):
        _production(URL, tmp_path)
    assert _production(URL + "?sslmode=verify-full", tmp_path).database_url is not None
    assert _production("postgresql://techno@127.0.0.1/techno", tmp_path).database_url is not None
