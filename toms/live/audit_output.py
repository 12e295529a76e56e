"""How an `AuditResult` is shown: on a terminal as a table, elsewhere (CI logs, pipes) one block per finding
with nothing cut, and as a Markdown file."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from policies.toms_pack import standards
from toms.live.models import AUDIT_STATUSES, AuditFinding, AuditResult
from toms.live.stacks import PACK_DEFAULT_BOUNDS
from toms.markdown import md, md_table

STATUS_STYLES = {"PASS": "green", "FAIL": "bold red", "ERROR": "bold yellow", "EXCEPTION": "bold magenta"}


def observed_text(observed: dict[str, Any]) -> str:
    return ", ".join(f"{key}={json.dumps(value, sort_keys=True)}" for key, value in observed.items())


def title(result: AuditResult) -> str:
    return f"toms audit: {result.client} in account {result.account}, {result.region}"


def nothing_tagged_message(result: AuditResult, stack_clients: list[str]) -> str:
    defined = ", ".join(stack_clients) if stack_clients else "none"
    return (
        f"nothing in account {result.account}, region {result.region} carries the tags "
        f"{standards.TAG_CLIENT}={result.client} and {standards.TAG_MANAGED_BY}={standards.MANAGED_BY}: "
        f"is {result.client!r} deployed there? The stack files define the clients: {defined}."
    )


def print_result(console: Console, result: AuditResult, stack_clients: list[str]) -> None:
    if result.expected_from == PACK_DEFAULT_BOUNDS:
        console.print(
            f"No stack file for {result.client}: retention, replicas and TLS policy are checked against "
            f"the {PACK_DEFAULT_BOUNDS}.",
            highlight=False,
        )
    else:
        console.print(f"Expected values from {result.expected_from}.", highlight=False)
    if result.nothing_tagged:
        console.print(f"[bold red]FAIL[/]: {nothing_tagged_message(result, stack_clients)}", highlight=False)
    elif console.is_terminal:
        console.print(_table(result))
    else:
        console.print(title(result), highlight=False, soft_wrap=True)
        for item in result.findings:
            _print_block(console, item)
    console.print(
        ", ".join(
            f"[{STATUS_STYLES[status]}]{result.summary.get(status)} {status}[/]" for status in AUDIT_STATUSES
        ),
        highlight=False,
    )


def _table(result: AuditResult) -> Table:
    table = Table(title=title(result), show_lines=False)
    table.add_column("Status", no_wrap=True)
    table.add_column("Check", no_wrap=True)
    table.add_column("Resource", overflow="fold")
    table.add_column("Message", overflow="fold")
    for item in result.findings:
        table.add_row(
            f"[{STATUS_STYLES[item.status]}]{item.status}[/]", item.check, item.resource, item.message
        )
    return table


def _print_block(console: Console, item: AuditFinding) -> None:
    """One finding, every line whole: a log keeps the full ARN and message however narrow it is."""
    console.print(
        f"[{STATUS_STYLES[item.status]}]{item.status}[/] {item.check}", highlight=False, soft_wrap=True
    )
    console.print(f"  resource: {item.resource}", highlight=False, soft_wrap=True, markup=False)
    console.print(f"  message: {item.message}", highlight=False, soft_wrap=True, markup=False)
    if item.observed:
        console.print(
            f"  observed: {observed_text(item.observed)}", highlight=False, soft_wrap=True, markup=False
        )


def render_markdown(result: AuditResult) -> str:
    head = (
        f"# {md(title(result))}\n\n"
        f"toms {md(result.toms_version)}, partition {md(result.partition)}, "
        f"from {result.started_at:%Y-%m-%d %H:%M:%S} to {result.finished_at:%Y-%m-%d %H:%M:%S} UTC.  \n"
        f"Expected values from {md(result.expected_from)}.\n\n"
        f"**{md(result.summary.counts)}**\n\n"
    )
    rows = [
        (
            item.status,
            item.check,
            ", ".join(item.measures),
            item.resource,
            observed_text(item.observed),
            item.message,
        )
        for item in result.findings
    ]
    return head + md_table(("Status", "Check", "Measures", "Resource", "Observed", "Message"), rows)
