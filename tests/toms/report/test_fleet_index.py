"""`toms report --all`: every client's report and the fleet index (one row per client, one column per measure,
each cell the coverage status with its evidence age; clients that need attention first; links that work)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from policies.toms_pack import catalogue
from tests.toms.report.reporting import (
    REPORT_TIME,
    XHTML,
    audit_result,
    drill_evidence,
    make_report,
    parse_xhtml,
    write,
)
from toms.__main__ import main
from toms.report import fleet
from toms.report.coverage import LIVE_FAIL, STALE, VERIFIED

MEASURE_COUNT = len(catalogue.MEASURES)


def rows_of(page: ET.Element) -> list[ET.Element]:
    (table,) = [table for table in page.iter(f"{XHTML}table") if table.get("class") == "fleet"]
    return next(iter(table.iter(f"{XHTML}tbody"))).findall(f"{XHTML}tr")


def cell_texts(row: ET.Element) -> list[str]:
    return [" ".join(cell.itertext()).strip() for cell in row.findall(f"{XHTML}td")]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> fleet.FleetIndex:
    """acme verified live (audit 8 days old, drill 9), globex failing a live check, initech with an audit
    older than 35 days, and a client whose report could not be written."""
    folder = tmp_path_factory.mktemp("evidence")
    acme = make_report(
        "acme",
        write(folder / "acme-audit.json", audit_result("acme")),
        write(folder / "acme-drill.json", drill_evidence()),
    )
    globex = make_report(
        "globex",
        write(folder / "globex.json", audit_result("globex", failing={"rds-multi-az": "Multi-AZ is off"})),
    )
    stale = REPORT_TIME - timedelta(days=40)
    initech = make_report("initech", write(folder / "initech.json", audit_result("initech", finished=stale)))
    rows = [fleet.report_row(report, f"{report.client}-toms.html") for report in (acme, globex, initech)]
    rows.append(fleet.problem_row("umbrella", "stacks/Pulumi.umbrella.yaml: toms:retention: missing"))
    return fleet.fleet_index(rows, REPORT_TIME)


def test_clients_needing_attention_come_first_worst_first(index: fleet.FleetIndex) -> None:
    order = [row.client for row in index.rows]
    attention = {row.client: row.attention for row in index.rows}

    assert order[:3] == ["umbrella", "globex", "initech"]
    assert attention["umbrella"] == ("no report",)
    assert attention["globex"][0] == "failing"
    assert "stale" in attention["initech"] and "failing" not in attention["initech"]
    assert index.needing_attention == sum(1 for row in index.rows if row.attention)


def test_each_cell_is_the_clients_coverage_status_with_its_evidence_age(index: fleet.FleetIndex) -> None:
    rows = {row.client: row for row in index.rows}
    acme_report = make_report("acme")  # no evidence: nothing may read as verified
    assert VERIFIED not in {item.coverage.status for item in acme_report.measures}

    for row in (rows["acme"], rows["globex"], rows["initech"]):
        assert len(row.cells) == MEASURE_COUNT
    acme_cells = {cell.status: cell for cell in rows["acme"].cells}
    assert acme_cells[VERIFIED].evidence_age_days in (8, 9)  # the audit's age, or the drill's
    assert acme_cells[VERIFIED].label == f"{VERIFIED} ({acme_cells[VERIFIED].evidence_age_days} d)"
    failing = [cell for cell in rows["globex"].cells if cell.status == LIVE_FAIL]
    assert failing and all("rds-multi-az" in " ".join(cell.reasons) for cell in failing)
    stale = [cell for cell in rows["initech"].cells if cell.status == STALE]
    assert stale and {cell.evidence_age_days for cell in stale} == {40}


def test_the_page_has_one_row_per_client_one_column_per_measure_and_links_to_reports(
    index: fleet.FleetIndex,
) -> None:
    page = parse_xhtml(fleet.render_index(index))
    header = next(iter(page.iter(f"{XHTML}thead")))
    columns = [" ".join(cell.itertext()) for cell in header.iter(f"{XHTML}th")]
    rows = rows_of(page)

    assert columns == ["Client", "Account, region", "Needs attention", *map(str, range(1, MEASURE_COUNT + 1))]
    assert [row.get("id") for row in rows] == [f"client-{row.client}" for row in index.rows]
    links = {link.text: link.get("href") for row in rows for link in row.iter(f"{XHTML}a")}
    assert links == {"globex": "globex-toms.html", "initech": "initech-toms.html", "acme": "acme-toms.html"}
    umbrella = cell_texts(rows[0])
    assert umbrella[0] == "umbrella"
    assert umbrella[3] == "no report: stacks/Pulumi.umbrella.yaml: toms:retention: missing"
    globex = cell_texts(rows[1])
    assert globex[1] == "444455556666, eu-central-1"
    assert f"{LIVE_FAIL} (8 d)" in globex[3:]
    # Each measure's line is in the header's tooltip and in the measures table.
    assert [cell.get("title") for cell in header.iter(f"{XHTML}th")][3:] == [
        m.line for m in catalogue.MEASURES
    ]


def test_report_all_writes_every_clients_report_and_an_index_whose_links_resolve(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    write(evidence / "globex.json", audit_result("globex", failing={"rds-multi-az": "Multi-AZ is off"}))
    out = tmp_path / "reports"

    code = main(["report", "--all", "--out", str(out), "--audit-dir", str(evidence), "--jobs", "2"])

    assert code == 0, capsys.readouterr().err
    page = parse_xhtml((out / fleet.INDEX_FILE).read_text())
    rows = rows_of(page)
    assert next(row.get("id") for row in rows) == "client-globex"  # the failing live check puts it first
    assert sorted(row.get("id") for row in rows) == ["client-acme", "client-globex", "client-initech"]
    for link in page.iter(f"{XHTML}a"):
        target = out / str(link.get("href"))
        assert target.is_file(), target
        assert f"Technical and organisational measures: {link.text}" in target.read_text()
    assert "Wrote 3 client reports" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--all", "--audit", "a.json"], "--audit, --drill go with --stack"),
        (["--stack", "acme", "--audit-dir", "x"], "--audit-dir, --drill-dir and --jobs go with --all"),
        (["--all", "--jobs", "0"], "--jobs 0: expected at least 1"),
        (["--all", "--audit-dir", "no-such-folder"], "--audit-dir no-such-folder: no such folder"),
    ],
)
def test_bad_fleet_report_options_are_refused(
    tmp_path: Path, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", *arguments, "--out", str(tmp_path / "reports")])

    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()
