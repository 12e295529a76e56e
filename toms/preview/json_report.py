"""`toms preview --json`: resources and findings as one JSON document (its shape:
toms/schemas/preview-report.schema.json)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from policies.toms_pack import catalogue
from toms import __version__
from toms.offline.analyzer_client import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL
from toms.preview.model import Finding, PlannedResource, StackFailure, StackPreview

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


def _resource_document(resource: PlannedResource) -> dict[str, Any]:
    analyzed = resource.analyzed
    return {
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


def preview_document(preview: StackPreview) -> dict[str, Any]:
    target = preview.target
    return {
        "project": preview.project,
        "stack": target.stack,
        "program": str(target.program_dir),
        "stackFile": str(target.stack_file) if target.stack_file else None,
        "policyPack": {
            "name": preview.pack.name,
            "version": preview.pack.version,
            "config": str(target.policy_config_file) if target.policy_config_file else None,
            "levels": dict(sorted(preview.levels.items())),
        },
        "verdict": "pass" if preview.passed else "fail",
        "summary": {
            "resources": len(preview.resources),
            "mandatory": preview.count("mandatory"),
            "advisory": preview.count("advisory"),
        },
        "resources": [_resource_document(resource) for resource in preview.resources_by_urn],
        "findings": [_finding_document(finding) for finding in preview.findings_by_urn],
    }


def report_document(
    previews: Sequence[StackPreview], failures: Sequence[StackFailure] = ()
) -> dict[str, Any]:
    """The `--json` document (its shape: toms/schemas/preview-report.schema.json). A stack that could not
    be previewed is listed under `errors` and makes the verdict "error": never a pass."""
    passed = all(preview.passed for preview in previews)
    verdict = "error" if failures else "pass" if passed else "fail"
    return {
        "tool": {"name": "toms preview", "version": __version__},
        "previews": [preview_document(preview) for preview in previews],
        "errors": [{"stack": failure.stack, "message": failure.message} for failure in failures],
        "summary": {
            "stacks": len(previews) + len(failures),
            "errors": len(failures),
            "mandatory": sum(preview.count("mandatory") for preview in previews),
            "advisory": sum(preview.count("advisory") for preview in previews),
            "verdict": verdict,
        },
    }


def write_json(path: Path, previews: Sequence[StackPreview], failures: Sequence[StackFailure] = ()) -> None:
    path.write_text(json.dumps(report_document(previews, failures), indent=2) + "\n", encoding="utf-8")
