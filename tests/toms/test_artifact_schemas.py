"""The checked-in JSON schemas of the artifacts are the ones their models generate, and the files the tools
write validate against them."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.toms.report.reporting import audit_result, drill_evidence
from toms.artifact_schemas import SCHEMA_DIR, SCHEMAS, schema_text


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
