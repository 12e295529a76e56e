"""The live evidence the report reads: `toms audit --json` and `toms restore-drill --evidence` files, read
with the models their tools write them with (`toms.live.models`).

Evidence is bound to where it was taken. A file that is not such evidence, or is evidence of another client,
account, partition or region than the stack's, or claims to come from after the report's own time, is
refused with a message naming the file, the key and what was expected (`EvidenceError`, exit code 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from components.config import ClientConfig
from policies.toms_pack import catalogue
from toms.live.models import Artifact, AuditResult, DrillEvidence, Origin

AUDIT_WHAT = "the JSON written by `toms audit --json`"
DRILL_WHAT = "the JSON written by `toms restore-drill --evidence`"


class EvidenceError(Exception):
    """An evidence file the report cannot use; the message names the file and what was expected."""


Model = TypeVar("Model", bound=Artifact)


def _key_path(loc: Iterable[int | str]) -> str:
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
            f"{_key_path(detail['loc'])}: {detail['msg']}" for detail in error.errors(include_url=False)
        )
        raise EvidenceError(f"{path}: not {what}: {problems}") from None


def _bound(path: Path, evidence: Origin, config: ClientConfig, stack_file: str, now: datetime) -> None:
    """The evidence was taken in the stack's own account, partition and region, and not after `now`."""
    if evidence.account != config.account_id:
        raise EvidenceError(
            f"{path}: account: the evidence was taken in account {evidence.account}; expected "
            f"{config.account_id}, the only account {stack_file} deploys {config.client} into"
        )
    if evidence.partition != config.partition:
        raise EvidenceError(
            f"{path}: partition: the evidence was taken in partition {evidence.partition}; expected "
            f"{config.partition}, the partition of {stack_file}"
        )
    if evidence.region != config.region:
        raise EvidenceError(
            f"{path}: region: the evidence was taken in {evidence.region}; expected {config.region}, the "
            f"region of {stack_file}"
        )
    if evidence.finished_at > now:
        raise EvidenceError(
            f"{path}: finished_at: {evidence.finished_at.isoformat()} is after this report's time "
            f"({now.isoformat(timespec='seconds')}); expected evidence taken before the report"
        )


def load_audit(path: Path, config: ClientConfig, stack_file: str, now: datetime) -> AuditResult:
    """The findings of `toms audit --json` for the stack's client, account and region; EvidenceError
    otherwise."""
    audit = _validated(path, AuditResult, AUDIT_WHAT)
    if audit.client != config.client:
        raise EvidenceError(f"{path}: client: the audit is of {audit.client!r}; expected {config.client!r}")
    _bound(path, audit, config, stack_file, now)
    for index, finding in enumerate(audit.findings):
        if not catalogue.measures_for_audit_check(finding.check):
            raise EvidenceError(
                f"{path}: findings[{index}].check: {finding.check!r} is not an audit check the measure "
                "catalogue knows; expected one of the checks of this toms version"
            )
    return audit


def load_drill(path: Path, config: ClientConfig, stack_file: str, now: datetime) -> DrillEvidence:
    """The evidence of `toms restore-drill --evidence` in the stack's account and region; EvidenceError
    otherwise."""
    drill = _validated(path, DrillEvidence, DRILL_WHAT)
    _bound(path, drill, config, stack_file, now)
    return drill


def check_drill_source(drill: DrillEvidence, path: Path, db_instances: tuple[str, ...]) -> None:
    """A drill file names no client: when the program names the client's databases, the drill's source must
    be one of them (known only once the program has run, so checked after the preview)."""
    if db_instances and drill.source.db_instance not in db_instances:
        raise EvidenceError(
            f"{path}: source.db_instance: the drill restored {drill.source.db_instance!r}; expected the "
            f"client's database ({', '.join(db_instances)})"
        )
