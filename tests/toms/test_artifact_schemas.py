"""The checked-in JSON schemas of the artifacts are the ones their models generate, and the files the tools
write validate against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import example_stack_preview
from tests.toms.report.reporting import audit_result, drill_evidence
from toms.artifact_schemas import SCHEMA_DIR, SCHEMAS, schema_text
from toms.preview.outputs import StackStream
from toms.preview.result import PreviewReport, StackResult


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_checked_in_schema_is_generated_from_its_model(name: str) -> None:
    checked_in = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert checked_in == schema_text(SCHEMAS[name]), f"run `make schemas` to regenerate toms/schemas/{name}"


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("audit-result.schema.json", audit_result().to_json()),
        ("drill-evidence.schema.json", drill_evidence().to_json()),
    ],
)
def test_what_the_tools_write_validates_against_the_schema(name: str, document: str) -> None:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(json.loads(document))
    missing_account = {key: value for key, value in json.loads(document).items() if key != "account"}
    with pytest.raises(jsonschema.ValidationError, match="'account' is a required property"):
        jsonschema.Draft202012Validator(schema).validate(missing_account)


def test_the_preview_report_is_written_and_read_back_with_its_model(tmp_path: Path) -> None:
    path = tmp_path / "preview.json"
    with StackStream(lambda *_: None, json_path=path) as stream:
        stream.arrived(0, example_stack_preview("acme"))
        stream.write_reports()

    report = PreviewReport.model_validate_json(path.read_text(encoding="utf-8"))
    [acme] = report.previews
    assert isinstance(acme, StackResult)
    assert (acme.stack, acme.verdict, report.summary.stacks) == ("acme", "pass", 1)
    assert report.to_json() == path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="previews"):
        PreviewReport.model_validate({**json.loads(path.read_text()), "previews": "acme"})
