"""`toms preview --json`: resources and findings as one JSON document, the model `PreviewReport` of
`toms/preview/result.py` (its schema, generated from the model: toms/schemas/preview-report.schema.json)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from policies.toms_pack import catalogue
from toms import __version__
from toms.offline.analyzer_client import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL
from toms.preview.model import (
    Finding,
    PlannedResource,
    PreviewFailure,
    PreviewOutcome,
    StackPreview,
    StackTally,
)
from toms.preview.result import PreviewReport, StackFailure, StackResult, Summary, Tool

JSON_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "preview-report.schema.json"


def redacted(value: Any) -> Any:
    """A wire value for a report file: unknowns as "[unknown]", secrets as "[secret]" (never their value)."""
    if value == UNKNOWN_SENTINEL:
        return "[unknown]"
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            return "[secret]"
        return {key: redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redacted(item) for item in value]
    return value


def _finding_document(finding: Finding) -> dict[str, Any]:
    return {
        "policy": finding.policy,
        "enforcementLevel": finding.enforcement_level,
        "severity": finding.severity,
        "stage": finding.stage,
        "urn": finding.urn,
        "resourceType": finding.resource_type,
        "resourceName": finding.resource_name,
        "message": finding.message,
        "measures": [
            {"id": measure.id, "line": measure.line}
            for measure in catalogue.measures_for_policy(finding.policy)
        ],
    }


def _resource_document(resource: PlannedResource, root: Path) -> dict[str, Any]:
    analyzed = resource.analyzed
    return {
        "source": source_location(resource, root),
        "urn": resource.urn,
        "type": resource.type,
        "name": resource.name,
        "parent": resource.parent,
        "custom": resource.custom,
        "provider": analyzed.provider.urn if analyzed.provider is not None else "",
        "protect": analyzed.protect,
        "dependencies": sorted(analyzed.dependencies),
        "inputs": redacted(dict(analyzed.props)),
    }


def relative_path(path: Path | None, root: Path) -> str | None:
    """A path as the report names it: relative to the program's root when under it, else absolute."""
    if path is None:
        return None
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)


def source_location(resource: PlannedResource, root: Path) -> dict[str, Any] | None:
    """Where the program constructed the resource, relative to the program's root; None outside it."""
    if resource.source_position is None:
        return None
    uri, line = resource.source_position
    path = Path(unquote(urlparse(uri).path))
    if not path.is_relative_to(root) or "site-packages" in path.parts:
        return None
    return {"file": path.relative_to(root).as_posix(), "line": max(line, 1)}


def preview_document(preview: StackPreview) -> dict[str, Any]:
    target = preview.target
    root = target.program_dir.resolve()
    return {
        "project": preview.project,
        "stack": target.stack,
        "program": str(root),
        "interpreter": preview.interpreter,
        "stackFile": relative_path(target.stack_file, root),
        "policyPack": {
            "name": preview.pack.name,
            "version": preview.pack.version,
            "config": relative_path(target.policy_config_file, root),
            "levels": dict(sorted(preview.levels.items())),
        },
        "verdict": preview.verdict,
        "summary": {
            "resources": len(preview.resources),
            "mandatory": preview.count("mandatory"),
            "advisory": preview.count("advisory"),
        },
        "notExpandable": [
            {"urn": resource.urn, "type": resource.type, "name": resource.name}
            for resource in preview.remote_components
        ],
        "notJudged": preview.unjudged_by_type(),
        "invokes": [{"token": token, "answer": source} for token, source in sorted(preview.invokes.items())],
        "reads": [{"type": type_token, "name": name} for type_token, name in preview.reads],
        "resources": [_resource_document(resource, root) for resource in preview.resources_by_urn],
        "findings": [_finding_document(finding) for finding in preview.findings_by_urn],
    }


def failure_document(failure: PreviewFailure) -> dict[str, Any]:
    return {
        "stack": failure.stack,
        "program": str(failure.program_dir.resolve()) if failure.program_dir else None,
        "verdict": "error",
        "error": failure.message,
    }


def stack_result(outcome: PreviewOutcome) -> StackResult | StackFailure:
    """One stack's entry of the report, as its model: a document the model refuses is never written."""
    if isinstance(outcome, StackPreview):
        return StackResult.model_validate(preview_document(outcome))
    return StackFailure.model_validate(failure_document(outcome))


def stack_result_text(outcome: PreviewOutcome) -> str:
    """The stack's entry as the report's model writes it (toms/preview/outputs.py places it in the report)."""
    return stack_result(outcome).model_dump_json(indent=2, by_alias=True)


def overall_verdict(verdicts: Iterable[str]) -> str:
    """The worst of the stacks' verdicts: error, then incomplete, then fail, then pass."""
    seen = set(verdicts)
    return next((verdict for verdict in ("error", "incomplete", "fail") if verdict in seen), "pass")


def report_summary(tallies: Sequence[StackTally]) -> Summary:
    return Summary(
        stacks=len(tallies),
        errors=sum(1 for tally in tallies if tally.verdict == "error"),
        mandatory=sum(tally.mandatory for tally in tallies),
        advisory=sum(tally.advisory for tally in tallies),
        verdict=overall_verdict(tally.verdict for tally in tallies),  # type: ignore[arg-type]
    )


def report_frame(tallies: Sequence[StackTally]) -> PreviewReport:
    """The report with every part but the stacks' entries, which toms/preview/outputs.py streams in."""
    return PreviewReport(tool=Tool(version=__version__), previews=[], summary=report_summary(tallies))
