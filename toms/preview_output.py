"""How `toms preview` reports: a resource tree and findings for a person (rich), and a JSON document."""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from policies.toms_pack import catalogue
from toms import __version__, project_root
from toms.analyzer_client import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL
from toms.preview_engine import Finding, PlannedResource

if TYPE_CHECKING:
    from toms.preview import StackPreview

JSON_SCHEMA = Path(__file__).resolve().parent / "schemas" / "preview-report.schema.json"
# Levels in the order findings are shown; the engine reports no finding at `disabled`, and turns a
# `remediate` finding it still sees into a mandatory one.
LEVELS = ("mandatory", "advisory")
LEVEL_STYLES = {"mandatory": "bold red", "advisory": "yellow"}
LEVEL_MARKS = {"mandatory": "✗", "advisory": "!"}


def make_console(*, no_color: bool) -> Console:
    """Colour only on a terminal (rich checks), never with --no-color or NO_COLOR. Off a terminal (a CI
    log, a file) lines are not wrapped, so each finding's message stays on one greppable line."""
    console = Console(no_color=no_color, highlight=False)
    if not console.is_terminal:
        console = Console(no_color=no_color, highlight=False, soft_wrap=True, width=max(console.width, 160))
    return console


def print_error(console: Console, message: str, *, stack: str | None = None) -> None:
    err = Console(stderr=True, no_color=console.no_color, highlight=False, soft_wrap=True)
    prefix = f"preview of {stack} failed: " if stack else "error: "
    err.print(Text(prefix, style="bold red") + Text(message))


def measure_lines(policy: str) -> list[str]:
    """The TOM lines a policy enforces, as `TOM <id>: <annex line>`."""
    return [f"TOM {measure.id}: {measure.line}" for measure in catalogue.measures_for_policy(policy)]


def resource_tree(preview: StackPreview) -> Tree:
    """Components and their children under the root stack resource."""
    resources = preview.resources
    nodes: dict[str, Tree] = {}
    root = Tree(_label(resources[0]))
    nodes[resources[0].urn] = root
    for resource in resources[1:]:
        parent = nodes.get(resource.parent, root)
        nodes[resource.urn] = parent.add(_label(resource))
    return root


def _label(resource: PlannedResource) -> Text:
    style = "bold" if not resource.custom else ""
    return Text.assemble((resource.type, style or "cyan"), " ", (resource.name, ""))


def type_counts(preview: StackPreview) -> Table:
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    table.add_column("type")
    table.add_column("count", justify="right")
    for type_token, count in sorted(Counter(resource.type for resource in preview.resources).items()):
        table.add_row(type_token, str(count))
    return table


def findings_block(findings: Sequence[Finding], level: str) -> Group:
    lines: list[Text] = [Text(f"{level.upper()} ({len(findings)})", style=LEVEL_STYLES[level])]
    for finding in findings:
        lines.append(
            Text.assemble(
                (f"  {LEVEL_MARKS[level]} ", LEVEL_STYLES[level]),
                (finding.policy, "bold"),
                "  ",
                (f"{finding.resource_type} {finding.resource_name}", "cyan"),
            )
        )
        lines.append(Text(textwrap.indent(finding.message, "      ")))
        lines.extend(Text(f"      {line}", style="dim") for line in measure_lines(finding.policy))
    return Group(*lines)


def summary_line(preview: StackPreview) -> Text:
    mandatory, advisory = preview.count("mandatory"), preview.count("advisory")
    verdict = Text("PASS", style="bold green") if preview.passed else Text("FAIL", style="bold red")
    elapsed = sum(preview.timings.get(key, 0.0) for key in ("program", "analyze", "analyze_stack"))
    return Text.assemble(
        (f"{preview.target.stack}: ", "bold"),
        verdict,
        f" - {len(preview.resources)} resources, {len(preview.pack.policies)} policies, "
        f"{mandatory} mandatory and {advisory} advisory findings ({elapsed:.1f} s)",
    )


def print_preview(console: Console, preview: StackPreview) -> None:
    target = preview.target
    source = f", {shown_path(target.stack_file)}" if target.stack_file else ""
    console.print(
        Text.assemble(
            ("Preview ", "bold"),
            f"of stack {target.stack} (project {preview.project}, program {shown_path(target.program_dir)}"
            f"{source})",
        )
    )
    policy_config = shown_path(target.policy_config_file) if target.policy_config_file else "none"
    console.print(
        f"Policy pack {escape(preview.pack.name)} {escape(preview.pack.version)}: "
        f"{len(preview.pack.policies)} policies, policy config {escape(policy_config)}"
    )
    console.print()
    console.print(resource_tree(preview))
    console.print()
    console.print(type_counts(preview))
    console.print()
    shown = False
    for level in LEVELS:
        findings = [finding for finding in preview.findings if finding.enforcement_level == level]
        if findings:
            console.print(findings_block(findings, level))
            console.print()
            shown = True
    if not shown:
        console.print("No findings.")
        console.print()
    console.print(summary_line(preview))


def print_overall(console: Console, previews: Sequence[StackPreview], *, errors: int) -> None:
    passed = sum(1 for preview in previews if preview.passed)
    mandatory = sum(preview.count("mandatory") for preview in previews)
    console.print()
    console.print(
        Text.assemble(
            ("All stacks: ", "bold"),
            f"{passed} passed, {len(previews) - passed} with mandatory findings ({mandatory} in all), "
            f"{errors} could not be previewed",
        )
    )


def shown_path(path: Path | None) -> str:
    """A path as output names it: relative to the project root when under it (see toms.project_root)."""
    return "" if path is None else project_root.shown_path(path)


# --- JSON -----------------------------------------------------------------------------------------------


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
        "dependencies": list(analyzed.dependencies),
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
        "resources": [_resource_document(resource) for resource in preview.resources],
        "findings": [_finding_document(finding) for finding in preview.findings],
    }


def report_document(previews: Sequence[StackPreview]) -> dict[str, Any]:
    """The `--json` document (its shape: toms/schemas/preview-report.schema.json)."""
    return {
        "tool": {"name": "toms preview", "version": __version__},
        "previews": [preview_document(preview) for preview in previews],
        "summary": {
            "stacks": len(previews),
            "mandatory": sum(preview.count("mandatory") for preview in previews),
            "advisory": sum(preview.count("advisory") for preview in previews),
            "verdict": "pass" if all(preview.passed for preview in previews) else "fail",
        },
    }


def write_json(path: Path, previews: Sequence[StackPreview]) -> None:
    path.write_text(json.dumps(report_document(previews), indent=2) + "\n", encoding="utf-8")
