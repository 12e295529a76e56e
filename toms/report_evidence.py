"""The live evidence the report reads: `toms audit --json` and `toms restore-drill --evidence` files.

Each file is checked against the shape its tool writes before anything of it reaches a report; a file that
is not such evidence, or is evidence about another client or region, is refused with a message naming the
file, the key and what was expected (`EvidenceError`, exit code 2 in the command).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from policies.toms_pack import catalogue

AUDIT_WHAT = "the JSON written by `python -m toms audit --json`"
DRILL_WHAT = "the JSON written by `python -m toms restore-drill --evidence`"


class EvidenceError(Exception):
    """An evidence file the report cannot use; the message names the file and what was expected."""


class _Evidence(BaseModel):
    # Tools may add keys in later versions; the keys the report reads are required and typed.
    model_config = ConfigDict(extra="allow", frozen=True)


class AuditFinding(_Evidence):
    check: str
    status: Literal["PASS", "FAIL", "ERROR"]
    resource: str
    measures: list[str]
    observed: dict[str, Any]
    message: str


class AuditSummary(_Evidence):
    passed: int = Field(alias="PASS", ge=0)
    failed: int = Field(alias="FAIL", ge=0)
    errors: int = Field(alias="ERROR", ge=0)


class AuditEvidence(_Evidence):
    tool: Literal["toms audit"]
    toms_version: str
    client: str
    region: str
    # The stack file the live values were compared with, or "pack default bounds"; older audits lack it.
    expected_from: str | None = None
    started_at: datetime
    finished_at: datetime
    summary: AuditSummary
    findings: list[AuditFinding]

    def findings_for(self, checks: tuple[str, ...]) -> list[AuditFinding]:
        return [finding for finding in self.findings if finding.check in checks]


class DrillSource(_Evidence):
    db_instance: str
    arn: str | None
    engine: str | None
    engine_version: str | None
    kms_key_id: str | None


class DrillSnapshot(_Evidence):
    id: str
    type: str
    created_at: datetime


class DrillStep(_Evidence):
    name: str
    started_at: datetime
    finished_at: datetime
    status: str
    detail: str


class DrillEvidence(_Evidence):
    tool: Literal["toms restore-drill"]
    toms_version: str
    region: str
    source: DrillSource
    snapshot: DrillSnapshot | None
    temporary_instance: str | None
    steps: list[DrillStep]
    restore_seconds: float | None = Field(ge=0)
    result: Literal["PASS", "FAIL"]
    error: str | None
    started_at: datetime
    finished_at: datetime | None


Model = TypeVar("Model", bound=_Evidence)


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvidenceError(f"{path}: no such file; expected {what}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvidenceError(f"{path}: cannot be read ({error}); expected {what}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EvidenceError(f"{path}: not JSON ({error}); expected {what}") from None


def _validated(path: Path, model: type[Model], what: str) -> Model:
    document = _read_json(path, what)
    if not isinstance(document, dict):
        raise EvidenceError(f"{path}: expected {what}, a JSON object at the top level")
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{_key_path(tuple(detail['loc']))}: {detail['msg']}"
            for detail in error.errors(include_url=False)
        )
        raise EvidenceError(f"{path}: not {what}: {problems}") from None


def load_audit(path: Path, *, client: str, region: str) -> AuditEvidence:
    """The findings of `toms audit --json` for `client` in `region`; EvidenceError otherwise."""
    audit = _validated(path, AuditEvidence, AUDIT_WHAT)
    if audit.client != client:
        raise EvidenceError(f"{path}: client: the audit is of {audit.client!r}; expected {client!r}")
    if audit.region != region:
        raise EvidenceError(
            f"{path}: region: the audit ran in {audit.region}; expected {region}, the region of {client!r}"
        )
    for index, finding in enumerate(audit.findings):
        if not catalogue.measures_for_audit_check(finding.check):
            raise EvidenceError(
                f"{path}: findings[{index}].check: {finding.check!r} is not an audit check the measure "
                "catalogue knows; expected one of the checks of this toms version"
            )
    return audit


def load_drill(path: Path, *, region: str) -> DrillEvidence:
    """The evidence of `toms restore-drill --evidence` in `region`; EvidenceError otherwise."""
    drill = _validated(path, DrillEvidence, DRILL_WHAT)
    if drill.region != region:
        raise EvidenceError(f"{path}: region: the drill ran in {drill.region}; expected {region}")
    return drill


def check_drill_source(drill: DrillEvidence, path: Path, db_instances: tuple[str, ...]) -> None:
    """A drill file carries no client name: when the program names the client's databases, the drill's
    source must be one of them."""
    if db_instances and drill.source.db_instance not in db_instances:
        raise EvidenceError(
            f"{path}: source.db_instance: the drill restored {drill.source.db_instance!r}; expected the "
            f"client's database ({', '.join(db_instances)})"
        )
