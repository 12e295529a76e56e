"""How `toms preview` reports to a person: a resource tree, type counts and findings (rich)."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from policies.toms_pack import catalogue
from toms import project
from toms.preview.model import Finding, PlannedResource, StackPreview

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
    """A path as output names it: relative to the project root when under it (see toms.project)."""
    return "" if path is None else project.shown_path(path)
