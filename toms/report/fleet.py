"""`toms report --all`: every client's report, and the index page a head of compliance opens first.

The index has one row per client and one column per measure of the annex; each cell is that measure's
coverage status for the client (the rules of `toms/report/coverage.py`, the same the client's report shows)
with the age of the live evidence it rests on. Clients that need attention come first: a client whose report
could not be written, then those with a failing measure (live FAIL or ERROR, a preview violation, an
incomplete build), then a stale one, then a weakened one; within each, the worst status first, then by
name. Each client's name links to its report beside the index.

`toms report --all` (toms/report/command.py) previews the stacks in parallel as `preview --all` does, writes
each client's report and then this index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from policies.toms_pack import catalogue
from toms import __version__
from toms.report.coverage import (
    INCOMPLETE,
    LIVE_ERROR,
    LIVE_FAIL,
    PREVIEW_VIOLATION,
    RULES,
    STALE,
    STATUSES,
    WEAKENED,
)
from toms.report.model import Report
from toms.report.render import render_page

INDEX_FILE = "index.html"
# Why a client needs attention, worst first, and the coverage statuses that put it there.
ATTENTION: dict[str, frozenset[str]] = {
    "failing": frozenset({LIVE_FAIL, LIVE_ERROR, PREVIEW_VIOLATION, INCOMPLETE}),
    "stale": frozenset({STALE}),
    "weakened": frozenset({WEAKENED}),
}
NO_REPORT = "no report"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IndexColumn(_Model):
    """One measure of the annex: its number in the reports, id and line (heading and commitment)."""

    number: int
    id: str
    line: str


class IndexCell(_Model):
    status: str
    # Days between the live evidence the status rests on and the index; None when it rests on none.
    evidence_age_days: int | None
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.evidence_age_days is None:
            return self.status
        return f"{self.status} ({self.evidence_age_days} d)"


class IndexRow(_Model):
    client: str
    account: str | None
    region: str | None
    # The client's HTML report, relative to the index; None when it could not be written.
    report: str | None
    # Why there is no report.
    problem: str | None
    cells: tuple[IndexCell, ...]
    # Why the client needs attention ("no report", "failing", "stale", "weakened"), worst first.
    attention: tuple[str, ...]

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        order = (NO_REPORT, *ATTENTION)
        first = min((order.index(reason) for reason in self.attention), default=len(order))
        worst = min((STATUSES.index(cell.status) for cell in self.cells), default=len(STATUSES))
        return (0 if self.attention else 1, first, worst, self.client)


class FleetIndex(_Model):
    generated_at: datetime
    toms_version: str
    measures: tuple[IndexColumn, ...]
    rows: tuple[IndexRow, ...]

    @property
    def needing_attention(self) -> int:
        return sum(1 for row in self.rows if row.attention)


def measure_columns() -> tuple[IndexColumn, ...]:
    return tuple(
        IndexColumn(number=number, id=measure.id, line=measure.line)
        for number, measure in enumerate(catalogue.MEASURES, start=1)
    )


def report_row(report: Report, report_href: str) -> IndexRow:
    today = report.generated_at.date()
    cells = tuple(
        IndexCell(
            status=item.coverage.status,
            evidence_age_days=(today - item.coverage.evidence_date).days
            if item.coverage.evidence_date
            else None,
            reasons=item.coverage.reasons,
        )
        for item in report.measures
    )
    statuses = {cell.status for cell in cells}
    attention = tuple(reason for reason, marked in ATTENTION.items() if statuses & marked)
    return IndexRow(
        client=report.client,
        account=report.account,
        region=report.region,
        report=report_href,
        problem=None,
        cells=cells,
        attention=attention,
    )


def problem_row(client: str, problem: str) -> IndexRow:
    return IndexRow(
        client=client,
        account=None,
        region=None,
        report=None,
        problem=problem,
        cells=(),
        attention=(NO_REPORT,),
    )


def fleet_index(rows: Sequence[IndexRow], generated_at: datetime) -> FleetIndex:
    return FleetIndex(
        generated_at=generated_at,
        toms_version=__version__,
        measures=measure_columns(),
        rows=tuple(sorted(rows, key=lambda row: row.sort_key)),
    )


def render_index(index: FleetIndex) -> str:
    return render_page("fleet-index.html.j2", index=index, legend=RULES)
