"""`griddesk registry import/export` and `griddesk api-key`, run as an operator would."""
import pytest
from click.testing import CliRunner

from bot.cli.main import main
from store.models import ApiKey, Area

from tests.support import count, rows


@pytest.fixture
def griddesk(app, settings, tmp_path):
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "SECRET_KEY": "test", "GRIDDESK_INSTANCE": str(tmp_path)}
    runner = CliRunner(env=env)
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_import_reports_bad_lines_and_imports_nothing_then_imports_once(griddesk, svc,
                                                                        tmp_path):
    areas = tmp_path / "areas.csv"
    # a BOM and CRLF line ends, as Excel saves a CSV
    areas.write_bytes("code,name,kind\r\n330100,样例区,\r\n330100001,一号街道,\r\n"
                      "330100001001,一号社区,\r\n330100001001001,一网格,weird\r\n"
                      .encode("utf-8-sig"))
    failed = griddesk("registry", "import", "areas", str(areas))
    assert failed.exit_code == 1
    assert "areas.csv: 1 bad row(s), nothing imported" in failed.output
    assert "line 5: kind 'weird' is not base or special" in failed.output
    assert count(svc, Area) == 0
    areas.write_bytes(areas.read_bytes().replace(b"weird", b"base"))
    assert "areas: 4 created" in griddesk("registry", "import", "areas", str(areas)).output
    assert "0 created, 0 updated, 4 unchanged" in griddesk("registry", "import", "areas",
                                                            str(areas)).output
    exported = tmp_path / "out.csv"
    assert "areas: 4 written" in griddesk("registry", "export", "areas", str(exported)).output
    assert "4 unchanged" in griddesk("registry", "import", "areas", str(exported)).output
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("code,name\n330100,样例区\n".encode("gbk"))
    assert "not UTF-8 text" in griddesk("registry", "import", "areas", str(latin1)).output


def test_api_keys_are_created_listed_and_revoked(griddesk, svc):
    key = griddesk("api-key", "create", "city-hotline").output.strip()
    assert key.startswith("gd_") and len(key) > 30
    [row] = rows(svc, ApiKey)
    assert row.key_hash != key and key.startswith(row.prefix)  # only the hash is kept
    assert "already" not in griddesk("api-key", "list").output
    assert "city-hotline\tgd_" in griddesk("api-key", "list").output
    assert griddesk("api-key", "create", "city-hotline").exit_code == 2
    assert "revoked city-hotline" in griddesk("api-key", "revoke", "city-hotline").output
    assert "revoked 20" in griddesk("api-key", "list").output


def test_an_api_key_is_made_for_an_area_and_masked_unless_told(griddesk, svc, demo):
    griddesk("api-key", "create", "happy-app", "--area", "330199001001")
    griddesk("api-key", "create", "hotline", "--personal-data")
    assert griddesk("api-key", "create", "x", "--area", "999").exit_code == 2
    listing = griddesk("api-key", "list").output
    assert "330199001001\tmasked" in listing and "district\tpersonal data" in listing
