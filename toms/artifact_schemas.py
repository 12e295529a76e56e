"""The JSON schemas of the tools' artifacts, generated from the pydantic models their writers and readers
share, and checked in under `toms/schemas/` for whoever reads the files without this code.

`python -m toms.artifact_schemas` (`make schemas`) rewrites them; `tests/toms/test_artifact_schemas.py`
fails when a checked-in schema differs from its model.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from toms.live.fleet import FleetAudit
from toms.live.models import AuditResult, DrillEvidence
from toms.preview.result import PreviewReport

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Every generated schema's file name and its model.
SCHEMAS: dict[str, type[BaseModel]] = {
    "audit-result.schema.json": AuditResult,
    "drill-evidence.schema.json": DrillEvidence,
    "fleet-audit.schema.json": FleetAudit,
    "preview-report.schema.json": PreviewReport,
}


def schema_text(model: type[BaseModel]) -> str:
    schema = {"$schema": DIALECT, **model.model_json_schema(by_alias=True, mode="serialization")}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> None:
    for name, model in SCHEMAS.items():
        (SCHEMA_DIR / name).write_text(schema_text(model), encoding="utf-8")
        print(f"wrote toms/schemas/{name}")


if __name__ == "__main__":
    main()
