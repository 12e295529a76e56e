"""The parent of `toms preview --all` keeps no stack's full result: each outcome is shown and written in stack
order as it arrives, whatever order the workers finish in, and the merged JSON and SARIF it streams are the
documents their models write whole."""

from __future__ import annotations

import dataclasses
import gc
import json
import weakref
from pathlib import Path

import pytest

from tests.conftest import example_stack_preview
from tests.toms.preview.test_preview import (
    noncompliant_preview,
    validate_report,
    validate_sarif,
)
from toms.preview import json_report, sarif
from toms.preview.model import PreviewFailure, PreviewOutcome, StackTally
from toms.preview.outputs import StackStream
from toms.preview.result import PreviewReport
from toms.preview.sarif_model import SarifLog


@pytest.fixture(scope="module")
def outcomes() -> list[PreviewOutcome]:
    broken = PreviewFailure("broken", None, "stacks/Pulumi.broken.yaml: config: expected a mapping")
    return [example_stack_preview("acme"), broken, noncompliant_preview(), example_stack_preview("globex")]


# The order the workers might finish in: the first stack last.
ARRIVALS = (2, 1, 3, 0)


def streamed(outcomes: list[PreviewOutcome], folder: Path) -> tuple[list[int], list[StackTally], Path, Path]:
    shown: list[int] = []
    json_path, sarif_path = folder / "fleet.json", folder / "fleet.sarif"
    with StackStream(
        lambda index, _: shown.append(index), json_path=json_path, sarif_path=sarif_path
    ) as stream:
        for index in ARRIVALS:
            stream.arrived(index, outcomes[index])
        stream.write_reports()
    return shown, stream.tallies, json_path, sarif_path


def test_outcomes_are_handed_on_in_stack_order_whatever_order_they_arrive_in(
    outcomes: list[PreviewOutcome], tmp_path: Path
) -> None:
    shown, tallies, _, _ = streamed(outcomes, tmp_path)

    assert shown == [0, 1, 2, 3]
    assert tallies == [StackTally.of(outcome) for outcome in outcomes]
    assert [(tally.stack, tally.verdict) for tally in tallies] == [
        ("acme", "pass"),
        ("broken", "error"),
        ("dev", "fail"),
        ("globex", "pass"),
    ]
    assert tallies[1].message == "stacks/Pulumi.broken.yaml: config: expected a mapping"
    assert tallies[2].mandatory == sum(1 for finding in noncompliant_preview().findings if finding.mandatory)


def test_the_streamed_json_and_sarif_are_the_documents_their_models_write_whole(
    outcomes: list[PreviewOutcome], tmp_path: Path
) -> None:
    _, tallies, json_path, sarif_path = streamed(outcomes, tmp_path)

    whole_report = PreviewReport(
        tool=json_report.report_frame(tallies).tool,
        previews=[json_report.stack_result(outcome) for outcome in outcomes],
        summary=json_report.report_summary(tallies),
    )
    assert json_path.read_text(encoding="utf-8") == whole_report.to_json()
    report = PreviewReport.model_validate_json(json_path.read_text(encoding="utf-8"))
    assert [entry.stack for entry in report.previews] == ["acme", "broken", "dev", "globex"]
    assert (report.summary.stacks, report.summary.errors, report.summary.verdict) == (4, 1, "error")
    validate_report(json.loads(json_path.read_text(encoding="utf-8")))

    whole_log = SarifLog(
        schema_uri=sarif.SARIF_SCHEMA_URI, runs=[sarif.stack_run(outcome) for outcome in outcomes]
    )
    assert sarif_path.read_text(encoding="utf-8") == sarif.log_text(whole_log)
    validate_sarif(json.loads(sarif_path.read_text(encoding="utf-8")))


def test_no_stacks_give_the_models_empty_documents(tmp_path: Path) -> None:
    json_path, sarif_path = tmp_path / "none.json", tmp_path / "none.sarif"
    with StackStream(lambda *_: None, json_path=json_path, sarif_path=sarif_path) as stream:
        stream.write_reports()

    assert json_path.read_text(encoding="utf-8") == json_report.report_frame([]).to_json()
    assert json.loads(json_path.read_text(encoding="utf-8"))["previews"] == []
    assert sarif_path.read_text(encoding="utf-8") == sarif.log_text(sarif.log_frame())


def test_the_stream_keeps_no_outcome_not_even_one_that_arrived_early(tmp_path: Path) -> None:
    # Copies of the cached previews, so nothing else holds them.
    first, second = (
        dataclasses.replace(example_stack_preview("acme")),
        dataclasses.replace(example_stack_preview("globex")),
    )
    first_ref, second_ref = weakref.ref(first), weakref.ref(second)
    shown: list[str] = []
    with StackStream(
        lambda _, outcome: shown.append(StackTally.of(outcome).stack),
        json_path=tmp_path / "fleet.json",
        sarif_path=tmp_path / "fleet.sarif",
    ) as stream:
        stream.arrived(1, second)  # before the first stack: it waits, on disk
        del second
        gc.collect()
        assert second_ref() is None and shown == []

        stream.arrived(0, first)
        del first
        gc.collect()
        assert first_ref() is None and shown == ["acme", "globex"]
        stream.write_reports()

    assert [entry["stack"] for entry in json.loads((tmp_path / "fleet.json").read_text())["previews"]] == [
        "acme",
        "globex",
    ]
