"""`toms preview --sarif`: the findings as SARIF 2.1.0, for code-scanning UIs.

One run per stack (its `automationDetails.id` names the stack, so code scanning keeps the stacks apart).
The rules are the pack's policies, with their remediation as help text and the TOM lines they enforce;
each result names its resource by URN (a logical location) and points at the line of the program that
constructed it (the source position the Pulumi SDK reports), or at the stack file for findings about the
stack as a whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from policies.toms_pack import catalogue
from toms import __version__
from toms.offline.analyzer_client import PolicyInfo
from toms.preview.model import Finding, PlannedResource, StackFailure, StackPreview

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT = "%SRCROOT%"
TOOL_NAME = "toms-preview"

LEVELS = {"mandatory": "error", "advisory": "warning", "remediate": "error", "disabled": "none"}
# GitHub code scanning ranks results by `security-severity` (critical above 9, high from 7, medium from 4).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def _rule_name(policy: str) -> str:
    return "".join(part.capitalize() for part in policy.split("-"))


def rule(policy: PolicyInfo, level: str) -> dict[str, Any]:
    measures = catalogue.measures_for_policy(policy.name)
    tom_lines = [f"TOM {measure.id}: {measure.line}" for measure in measures]
    help_text = "\n".join([f"Remediation: {policy.remediation_steps}", *tom_lines])
    help_markdown = "\n\n".join(
        [f"**Remediation:** {policy.remediation_steps}", *(f"**TOM {m.id}:** {m.line}" for m in measures)]
    )
    return {
        "id": policy.name,
        "name": _rule_name(policy.name),
        "shortDescription": {"text": policy.description},
        "fullDescription": {"text": " ".join([policy.description, *tom_lines])},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVELS.get(level, "error")},
        "properties": {
            "tags": ["toms", "security", *policy.tags],
            "severity": policy.severity,
            "security-severity": SECURITY_SEVERITY.get(policy.severity, "5.5"),
            "enforcementLevel": level,
            "toms": [measure.id for measure in measures],
            "tomLines": [measure.line for measure in measures],
        },
    }


def _relative_uri(path: Path, base: Path) -> dict[str, Any]:
    try:
        return {"uri": path.resolve().relative_to(base).as_posix(), "uriBaseId": SOURCE_ROOT}
    except ValueError:
        return {"uri": path.resolve().as_uri()}


def _source_file(resource: PlannedResource, program_dir: Path) -> tuple[Path, int] | None:
    """Where the program constructed the resource, when that is the program's own code."""
    if resource.source_position is None:
        return None
    uri, line = resource.source_position
    path = Path(unquote(urlparse(uri).path))
    if not path.is_relative_to(program_dir) or "site-packages" in path.parts:
        return None
    return path, max(line, 1)


def physical_location(preview: StackPreview, urn: str, base: Path) -> dict[str, Any]:
    target = preview.target
    resource = next((r for r in preview.resources if r.urn == urn), None)
    source = _source_file(resource, target.program_dir) if resource is not None else None
    if source is None:
        fallback = target.stack_file or target.program_dir / "__main__.py"
        source = (fallback, 1)
    path, line = source
    return {"artifactLocation": _relative_uri(path, base), "region": {"startLine": line}}


def result(preview: StackPreview, finding: Finding, rule_index: int, base: Path) -> dict[str, Any]:
    fingerprint = hashlib.sha256(f"{finding.policy}|{finding.urn}|{finding.message}".encode()).hexdigest()
    return {
        "ruleId": finding.policy,
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding.enforcement_level, "error"),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": physical_location(preview, finding.urn, base),
                "logicalLocations": [
                    {"fullyQualifiedName": finding.urn, "name": finding.resource_name, "kind": "resource"}
                ],
            }
        ],
        "partialFingerprints": {"tomsPolicyResource/v1": fingerprint},
        "properties": {
            "stack": preview.target.stack,
            "resourceType": finding.resource_type,
            "enforcementLevel": finding.enforcement_level,
            "severity": finding.severity,
            "stage": finding.stage,
        },
    }


def sarif_run(preview: StackPreview, base: Path) -> dict[str, Any]:
    policies = list(preview.pack.policies)
    index = {policy.name: position for position, policy in enumerate(policies)}
    return {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [rule(policy, preview.levels.get(policy.name, "mandatory")) for policy in policies],
            }
        },
        "automationDetails": {"id": f"{TOOL_NAME}/{preview.target.stack}/"},
        "originalUriBaseIds": {SOURCE_ROOT: {"uri": base.as_uri() + "/"}},
        "invocations": [{"executionSuccessful": True}],
        "results": [
            result(preview, finding, index.get(finding.policy, -1), base)
            for finding in preview.findings_by_urn
        ],
        "properties": {
            "project": preview.project,
            "stack": preview.target.stack,
            "policyPack": f"{preview.pack.name} {preview.pack.version}",
        },
    }


def failed_run(failure: StackFailure) -> dict[str, Any]:
    """A stack that could not be previewed: a run that says so, with no results, never an empty pass."""
    return {
        "tool": {"driver": {"name": TOOL_NAME, "version": __version__, "semanticVersion": __version__}},
        "automationDetails": {"id": f"{TOOL_NAME}/{failure.stack}/"},
        "invocations": [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [{"level": "error", "message": {"text": failure.message}}],
            }
        ],
        "results": [],
        "properties": {"stack": failure.stack},
    }


def sarif_document(
    previews: Sequence[StackPreview], base: Path | None = None, failures: Sequence[StackFailure] = ()
) -> dict[str, Any]:
    """The SARIF log, one run per stack; paths are relative to `base` (default: the working directory,
    the repository root when run from CI)."""
    base = (base or Path.cwd()).resolve()
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [sarif_run(preview, base) for preview in previews]
        + [failed_run(failure) for failure in failures],
    }


def write_sarif(path: Path, previews: Sequence[StackPreview], failures: Sequence[StackFailure] = ()) -> None:
    path.write_text(
        json.dumps(sarif_document(previews, failures=failures), indent=2) + "\n", encoding="utf-8"
    )
