"""docs/sample-report/ is what `toms report` writes today from its checked-in evidence (`make sample-report`
regenerates evidence and report)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.toms.report.sample_report import CLIENT, SAMPLE_DIR, render


def test_the_sample_report_is_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLE_DIR.parents[1])
    for written in render(tmp_path):
        checked_in = SAMPLE_DIR / written.name
        assert written.name.startswith(f"{CLIENT}-toms.")
        assert checked_in.read_text(encoding="utf-8") == written.read_text(encoding="utf-8"), (
            f"{checked_in.relative_to(SAMPLE_DIR.parents[1])} is out of date: run `make sample-report`"
        )
