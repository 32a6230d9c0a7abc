"""Secrets and files readable by their owner only; security headers on every page."""
import re
import stat

import pytest

from bot.config import Settings
from store import Database


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_generated_secret_key_and_the_instance_folder_are_the_owners_only(
        tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("GRIDDESK_INSTANCE", str(instance))
    for name in ("SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    assert mode(instance) == 0o700
    assert mode(instance / "secret_key") == 0o600
    assert settings.secret_key == (instance / "secret_key").read_text().strip()
    (instance / "secret_key").chmod(0o644)  # a key written by an older version
    instance.chmod(0o755)
    assert Settings.from_env().secret_key == settings.secret_key  # the same key, tightened
    assert mode(instance / "secret_key") == 0o600 and mode(instance) == 0o700


def test_the_sqlite_file_is_created_for_its_owner_only(tmp_path):
    fresh = tmp_path / "griddesk.db"
    db = Database(f"sqlite:///{fresh}")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
    db.dispose()
    assert mode(fresh) == 0o600
    for extra in tmp_path.glob("griddesk.db-*"):  # WAL and shared memory
        assert mode(extra) & 0o077 == 0, extra
    older = tmp_path / "older.db"
    older.touch(mode=0o644)
    older.chmod(0o644)
    Database(f"sqlite:///{older}").dispose()
    assert mode(older) == 0o600


def login(client, username="admin"):
    return client.post("/console/login", data={"username": username, "password": "griddesk"})


@pytest.mark.parametrize("path", ["/console/login", "/console/", "/console/dashboard",
                                  "/console/command", "/console/simulator", "/console/areas",
                                  "/console/staff", "/console/password", "/healthz",
                                  "/open311/v2/services.json"])
def test_every_page_carries_the_security_headers(client, demo, path):
    login(client)
    response = client.get(path)
    assert response.status_code == 200, path
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "script-src 'self' 'nonce-" in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    page = response.get_data(as_text=True)
    for script in re.findall(r"<script([^>]*)>", page):  # only vendored files or our nonce
        assert "src=" in script or f'nonce="{nonce}"' in script, script


def test_the_nonce_changes_with_every_response(client, demo):
    first = client.get("/console/login").headers["Content-Security-Policy"]
    second = client.get("/console/login").headers["Content-Security-Policy"]
    assert first != second
