"""How `toms preview` reports to a person: a resource tree, type counts and findings (rich)."""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from policies.toms_pack import catalogue
from toms import project
from toms.preview.engine import ROOT_STACK_TYPE
from toms.preview.model import Finding, PlannedResource, StackPreview, StackTally

# Levels in the order findings are shown; the engine reports no finding at `disabled`, and turns a
# `remediate` finding it still sees into a mandatory one.
LEVELS = ("mandatory", "advisory")
LEVEL_STYLES = {"mandatory": "bold red", "advisory": "yellow"}
LEVEL_MARKS = {"mandatory": "✗", "advisory": "!"}
VERDICT_STYLES = {"pass": "bold green", "fail": "bold red", "incomplete": "bold red"}


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
    """Components and their children under the root stack resource, each level in URN order."""
    (stack,) = (resource for resource in preview.resources if resource.type == ROOT_STACK_TYPE)
    urns = {resource.urn for resource in preview.resources}
    children: dict[str, list[PlannedResource]] = defaultdict(list)
    for resource in preview.resources_by_urn:
        if resource is not stack:
            children[resource.parent if resource.parent in urns else stack.urn].append(resource)

    def grow(node: Tree, urn: str) -> Tree:
        for child in children[urn]:
            grow(node.add(_label(child)), child.urn)
        return node

    return grow(Tree(_label(stack)), stack.urn)


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
        # The pack's message ends with the TOM lines it enforces ([TOM encryption: ...]); the catalogue's
        # lines are shown only for a measure the message does not name, so each is shown once.
        lines.extend(
            Text(f"      {line}", style="dim")
            for line in measure_lines(finding.policy)
            if line.split(":")[0] + ":" not in finding.message
        )
    return Group(*lines)


def summary_line(preview: StackPreview) -> Text:
    mandatory, advisory = preview.count("mandatory"), preview.count("advisory")
    verdict = Text(preview.verdict.upper(), style=VERDICT_STYLES[preview.verdict])
    elapsed = sum(preview.timings.get(key, 0.0) for key in ("program", "analyze", "analyze_stack"))
    return Text.assemble(
        (f"{preview.target.stack}: ", "bold"),
        verdict,
        f" - {len(preview.resources)} resources, {len(preview.pack.policies)} policies, "
        f"{mandatory} mandatory and {advisory} advisory findings ({elapsed:.1f} s)",
    )


def print_preview(
    console: Console, preview: StackPreview, *, quiet: bool = False, resources: bool = True
) -> None:
    """The stack's header, resource tree, type counts, findings and verdict; with `quiet`, only the
    findings and the verdict line. `resources=False` (`--all`) leaves out the resource tree and type
    counts, so a fleet's output is each stack's findings and verdict (the resources are in `--json`)."""
    if quiet:
        for level in LEVELS:
            findings = [finding for finding in preview.findings_by_urn if finding.enforcement_level == level]
            if findings:
                console.print(findings_block(findings, level))
        console.print(summary_line(preview))
        return
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
    console.print(f"Program run by {escape(preview.interpreter)}")
    console.print()
    if resources:
        console.print(resource_tree(preview))
        console.print()
        console.print(type_counts(preview))
        console.print()
    shown = False
    for level in LEVELS:
        findings = [finding for finding in preview.findings_by_urn if finding.enforcement_level == level]
        if findings:
            console.print(findings_block(findings, level))
            console.print()
            shown = True
    if not shown:
        console.print("No findings.")
        console.print()
    for block in what_the_verdict_rests_on(preview):
        console.print(block)
        console.print()
    console.print(summary_line(preview))


def what_the_verdict_rests_on(preview: StackPreview) -> list[Group]:
    """What the pack could not judge and the made-up values it judged with, so a verdict never claims more
    than was checked."""
    blocks: list[Group] = []
    if preview.remote_components:
        lines = [Text("NOT EXPANDABLE OFFLINE (the stack cannot pass)", style="bold red")]
        lines += [
            Text(
                f"  {resource.type} {resource.name}: a component implemented by the provider plugin "
                f"{resource.type.split(':')[0]}; its resources exist only in the plugin, so none was judged"
            )
            for resource in preview.remote_components
        ]
        blocks.append(Group(*lines))
    unjudged = preview.unjudged_by_type()
    if unjudged:
        lines = [Text(f"NOT JUDGED BY ANY POLICY ({sum(unjudged.values())} resources)", style="yellow")]
        lines += [Text(f"  {type_token} x{count}") for type_token, count in unjudged.items()]
        blocks.append(Group(*lines))
    if preview.placeholder_invokes:
        lines = [
            Text(
                "ANSWERED WITH PLACEHOLDER VALUES (give real ones with --invoke-answers FILE)", style="yellow"
            )
        ]
        lines += [Text(f"  {token}") for token in preview.placeholder_invokes]
        blocks.append(Group(*lines))
    if preview.reads:
        lines = [Text("READ, NOT DECLARED (never sent to the pack)", style="dim")]
        lines += [Text(f"  {type_token} {name}") for type_token, name in preview.reads]
        blocks.append(Group(*lines))
    return blocks


def print_overall(console: Console, tallies: Sequence[StackTally]) -> None:
    """The fleet's one summary: counts, then each stack that did not pass and why."""
    verdicts = Counter(tally.verdict for tally in tallies)
    mandatory = sum(tally.mandatory for tally in tallies)
    console.print()
    console.print(
        Text.assemble(
            ("All stacks: ", "bold"),
            f"{verdicts['pass']} passed, {verdicts['fail']} with mandatory findings ({mandatory} in all), "
            f"{verdicts['incomplete']} incomplete (plugin components), "
            f"{verdicts['error']} could not be previewed",
        )
    )
    for tally in tallies:
        if tally.verdict in ("fail", "incomplete"):
            console.print(
                Text(f"  {tally.verdict.upper()} {tally.stack}: ", style="red")
                + Text(f"{tally.mandatory} mandatory findings, {tally.plugin_components} plugin components")
            )
    for tally in tallies:
        if tally.verdict == "error":
            first_line = tally.message.splitlines()[0] if tally.message else ""
            console.print(Text(f"  ERROR {tally.stack}: ", style="bold red") + Text(first_line))


def shown_path(path: Path | None) -> str:
    """A path as output names it: relative to the project root when under it (see toms.project)."""
    return "" if path is None else project.shown_path(path)
