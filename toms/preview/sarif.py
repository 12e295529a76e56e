"""`toms preview --sarif`: the findings as SARIF 2.1.0, for code-scanning UIs, built on sarif_model.py.

One run per stack (its `automationDetails.id` names the stack, so code scanning keeps the stacks apart).
The rules are the pack's policies, with their remediation as help text and the TOM lines they enforce;
each result names its resource by URN (a logical location) and points at the line of the program that
constructed it (the source position the Pulumi SDK reports), or at the stack file for findings about the
stack as a whole. Paths are relative to the program's root (`originalUriBaseIds` %SRCROOT%).

A stack that could not be previewed is a run with `executionSuccessful: false`, the reason as an error
notification and no results; what a verdict rests on (plugin components that cannot be expanded,
resources no policy judged, provider functions answered with placeholder values) are notifications of
a successful run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from policies.toms_pack import catalogue
from toms import __version__
from toms.offline.analyzer_client import PolicyInfo
from toms.preview.json_report import source_location
from toms.preview.model import Finding, PreviewFailure, PreviewOutcome, StackPreview
from toms.preview.sarif_model import (
    ArtifactLocation,
    Invocation,
    Location,
    LogicalLocation,
    Message,
    Notification,
    PhysicalLocation,
    Region,
    ReportingConfiguration,
    ReportingDescriptor,
    Result,
    Run,
    RunAutomationDetails,
    SarifLog,
    Tool,
    ToolComponent,
)

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


def rule(policy: PolicyInfo, level: str) -> ReportingDescriptor:
    measures = catalogue.measures_for_policy(policy.name)
    tom_lines = [f"TOM {measure.id}: {measure.line}" for measure in measures]
    help_text = "\n".join([f"Remediation: {policy.remediation_steps}", *tom_lines])
    help_markdown = "\n\n".join(
        [f"**Remediation:** {policy.remediation_steps}", *(f"**TOM {m.id}:** {m.line}" for m in measures)]
    )
    return ReportingDescriptor(
        id=policy.name,
        name=_rule_name(policy.name),
        short_description=Message(text=policy.description),
        full_description=Message(text=" ".join([policy.description, *tom_lines])),
        help=Message(text=help_text, markdown=help_markdown),
        default_configuration=ReportingConfiguration(level=LEVELS.get(level, "error")),  # type: ignore[arg-type]
        properties={
            "tags": ["toms", "security", *policy.tags],
            "severity": policy.severity,
            "security-severity": SECURITY_SEVERITY.get(policy.severity, "5.5"),
            "enforcementLevel": level,
            "toms": [measure.id for measure in measures],
            "tomLines": [measure.line for measure in measures],
        },
    )


def _artifact(path: Path, root: Path) -> ArtifactLocation:
    resolved = path.resolve()
    if resolved.is_relative_to(root):
        return ArtifactLocation(uri=resolved.relative_to(root).as_posix(), uri_base_id=SOURCE_ROOT)
    return ArtifactLocation(uri=resolved.as_uri())


def physical_location(preview: StackPreview, urn: str) -> PhysicalLocation:
    target = preview.target
    root = target.program_dir.resolve()
    resource = next((r for r in preview.resources if r.urn == urn), None)
    source = source_location(resource, root) if resource is not None else None
    if source is not None:
        return PhysicalLocation(
            artifact_location=ArtifactLocation(uri=source["file"], uri_base_id=SOURCE_ROOT),
            region=Region(start_line=source["line"]),
        )
    fallback = target.stack_file or target.entry
    return PhysicalLocation(artifact_location=_artifact(fallback, root), region=Region(start_line=1))


def result(preview: StackPreview, finding: Finding, rule_index: int | None) -> Result:
    fingerprint = hashlib.sha256(f"{finding.policy}|{finding.urn}|{finding.message}".encode()).hexdigest()
    return Result(
        rule_id=finding.policy,
        rule_index=rule_index,
        level=LEVELS.get(finding.enforcement_level, "error"),  # type: ignore[arg-type]
        message=Message(text=finding.message),
        locations=[
            Location(
                physical_location=physical_location(preview, finding.urn),
                logical_locations=[
                    LogicalLocation(
                        fully_qualified_name=finding.urn, name=finding.resource_name, kind="resource"
                    )
                ],
            )
        ],
        partial_fingerprints={"tomsPolicyResource/v1": fingerprint},
        properties={
            "stack": preview.target.stack,
            "resourceType": finding.resource_type,
            "enforcementLevel": finding.enforcement_level,
            "severity": finding.severity,
            "stage": finding.stage,
        },
    )


def _notifications(preview: StackPreview) -> list[Notification]:
    """What the verdict rests on, as the run's notifications."""
    notes = [
        Notification(
            level="error",
            message=Message(
                text=f"{resource.type} {resource.name}: a component implemented by the provider plugin "
                f"{resource.type.split(':')[0]} cannot be expanded offline; none of its resources was "
                "judged, so the stack cannot pass"
            ),
            locations=[
                Location(
                    logical_locations=[
                        LogicalLocation(
                            fully_qualified_name=resource.urn, name=resource.name, kind="resource"
                        )
                    ]
                )
            ],
        )
        for resource in preview.remote_components
    ]
    unjudged = preview.unjudged_by_type()
    if unjudged:
        listed = ", ".join(f"{type_token} x{count}" for type_token, count in unjudged.items())
        notes.append(
            Notification(level="warning", message=Message(text=f"not judged by any policy: {listed}"))
        )
    if preview.placeholder_invokes:
        notes.append(
            Notification(
                level="warning",
                message=Message(
                    text="provider functions answered with placeholder values (give real ones with "
                    f"--invoke-answers): {', '.join(preview.placeholder_invokes)}"
                ),
            )
        )
    return notes


def _tool(rules: list[ReportingDescriptor]) -> Tool:
    return Tool(
        driver=ToolComponent(name=TOOL_NAME, version=__version__, semantic_version=__version__, rules=rules)
    )


def _root(program_dir: Path | None) -> dict[str, ArtifactLocation]:
    root = (program_dir or Path.cwd()).resolve()
    return {SOURCE_ROOT: ArtifactLocation(uri=root.as_uri() + "/")}


def sarif_run(preview: StackPreview) -> Run:
    policies = list(preview.pack.policies)
    index = {policy.name: position for position, policy in enumerate(policies)}
    return Run(
        tool=_tool([rule(policy, preview.levels.get(policy.name, "mandatory")) for policy in policies]),
        invocations=[
            Invocation(execution_successful=True, tool_execution_notifications=_notifications(preview))
        ],
        automation_details=RunAutomationDetails(id=f"{TOOL_NAME}/{preview.target.stack}/"),
        original_uri_base_ids=_root(preview.target.program_dir),
        results=[result(preview, finding, index.get(finding.policy)) for finding in preview.findings_by_urn],
        properties={
            "project": preview.project,
            "stack": preview.target.stack,
            "policyPack": f"{preview.pack.name} {preview.pack.version}",
            "verdict": preview.verdict,
        },
    )


def failed_run(failure: PreviewFailure) -> Run:
    return Run(
        tool=_tool([]),
        invocations=[
            Invocation(
                execution_successful=False,
                tool_execution_notifications=[
                    Notification(level="error", message=Message(text=failure.message))
                ],
            )
        ],
        automation_details=RunAutomationDetails(id=f"{TOOL_NAME}/{failure.stack}/"),
        original_uri_base_ids=_root(failure.program_dir),
        results=[],
        properties={"stack": failure.stack, "verdict": "error"},
    )


def stack_run(outcome: PreviewOutcome) -> Run:
    return sarif_run(outcome) if isinstance(outcome, StackPreview) else failed_run(outcome)


def stack_run_text(outcome: PreviewOutcome) -> str:
    """The stack's run as the log's model writes it (toms/preview/outputs.py places it in the log)."""
    return json.dumps(stack_run(outcome).document(), indent=2)


def log_frame() -> SarifLog:
    """The log with every part but the runs, which toms/preview/outputs.py streams in."""
    return SarifLog(schema_uri=SARIF_SCHEMA_URI, runs=[])


def log_text(log: SarifLog) -> str:
    return json.dumps(log.document(), indent=2) + "\n"
