"""`toms audit --all`: every client whose stack file exists, each in its own account with its own credentials.

Each client is audited with the credentials its stack names: the stack's `aws:profile` when it sets one,
else the environment's; with `--role-arn-template` (e.g. `arn:aws:iam::{account}:role/toms-audit`), a role
in the client's own account assumed from those. The audit then refuses credentials that reach another
account than the stack deploys into, exactly as `toms audit --client` does. Clients are audited in parallel
threads (`--jobs`, bounded: AWS rate limits are per account and region, and a thread mostly waits on the
network), every call with boto3's standard retries. Each audited client's evidence is written to
`<out>/<client>.json` (`AuditResult`, the file the report reads), and the fleet's summary, one entry per
client, to `<out>/fleet-audit.json` (`FleetAudit`). A client that could not be audited gets no evidence
file (an earlier one is removed, so nothing stale reads as this run's) and its reason in the summary.
"""

from __future__ import annotations

import argparse
import string
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound
from pydantic import Field
from rich.console import Console
from rich.table import Table

from components.config import ClientConfig
from toms import __version__
from toms.live.auditor import run_audit
from toms.live.models import AUDIT_STATUSES, AccountId, Artifact, AuditResult, AuditSummary, Timestamp
from toms.live.session import RETRY_CONFIG, AwsSession, AwsSetupError, error_message, log_console, utc_now
from toms.live.stacks import StackFileError, load_expectations
from toms.output_paths import OutputPathError, check_output_folder, write_text
from toms.project import ProjectFileError, project_root, read_project, read_stack_file, shown_path

SUMMARY_FILE = "fleet-audit.json"
DEFAULT_JOBS = 8
# The options that go with --all only (--jobs has a default, so it is not checked).
FLEET_OPTIONS = ("--role-arn-template", "--out")
PROFILE_KEY = "aws:profile"
# The placeholders a role ARN template may use; {account} is required.
TEMPLATE_FIELDS = frozenset({"account", "partition", "client", "region"})

ClientStatus = Literal["passed", "failed", "not audited"]


class FleetAuditError(Exception):
    """A usage error that stops `audit --all` before any client is audited (exit code 2)."""


class FleetClient(Artifact):
    """One client's line in the fleet summary."""

    client: str
    account: AccountId | None = Field(description="the account the stack deploys into (None: unreadable)")
    region: str | None
    credentials: str = Field(
        description="where the credentials came from: a profile, a role or the environment"
    )
    status: ClientStatus
    evidence: str | None = Field(description="the client's AuditResult file, beside this summary")
    summary: AuditSummary | None
    message: str = Field(description="what the audit found, or why the client could not be audited")


class FleetAudit(Artifact):
    """What `toms audit --all` writes beside the clients' evidence: one entry per client's stack file."""

    tool: Literal["toms audit --all"] = "toms audit --all"
    toms_version: str
    started_at: Timestamp
    finished_at: Timestamp
    role_arn_template: str | None
    clients: list[FleetClient]

    def count(self, status: ClientStatus) -> int:
        return sum(1 for client in self.clients if client.status == status)


@dataclass(frozen=True)
class _Plan:
    """A client to audit: its stack file's expectations and the profile it names."""

    client: str
    source: str
    config: ClientConfig
    profile: str | None
    policy_config: Mapping[str, Any]


def check_role_template(template: str) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise FleetAuditError(f"--role-arn-template {template!r}: {error}") from None
    unknown = sorted(names - TEMPLATE_FIELDS)
    if unknown or "account" not in names or not template.startswith("arn:"):
        problem = (
            f"unknown placeholder {{{unknown[0]}}}" if unknown else "expected an IAM role ARN with {account}"
        )
        raise FleetAuditError(
            f"--role-arn-template {template!r}: {problem}, e.g. arn:aws:iam::{{account}}:role/toms-audit "
            f"(placeholders: {', '.join(sorted(TEMPLATE_FIELDS))})"
        )


def _plans() -> list[_Plan | FleetClient]:
    """Every stack file of the project: a client to audit, or a summary line saying why it cannot be."""
    project = read_project(project_root())
    plans: list[_Plan | FleetClient] = []
    for stack in project.stack_names():
        try:
            expectations = load_expectations(stack, None)
            profile = read_stack_file(project.stack_file(stack)).get(PROFILE_KEY)
        except (StackFileError, ProjectFileError) as error:
            plans.append(_not_audited(stack, None, "", str(error)))
            continue
        assert expectations.config is not None  # the stack file exists: it was read, not the pack's bounds
        plans.append(
            _Plan(stack, expectations.source, expectations.config, profile, expectations.policy_config)
        )
    return plans


def _not_audited(client: str, config: ClientConfig | None, credentials: str, message: str) -> FleetClient:
    return FleetClient(
        client=client,
        account=config.account_id if config else None,
        region=config.region if config else None,
        credentials=credentials,
        status="not audited",
        evidence=None,
        summary=None,
        message=message,
    )


def _session(plan: _Plan, template: str | None) -> tuple[AwsSession, str]:
    """The client's AWS session and a description of where its credentials came from."""
    config = plan.config
    try:
        base = boto3.Session(profile_name=plan.profile, region_name=config.region)
    except ProfileNotFound as error:
        raise AwsSetupError(f"{plan.source}: {PROFILE_KEY}: {error}") from None
    source = f"profile {plan.profile}" if plan.profile else "environment"
    if template is None:
        return AwsSession(config.region, session=base), source
    role = template.format(
        account=config.account_id, partition=config.partition, client=plan.client, region=config.region
    )
    try:
        credentials = base.client("sts", config=RETRY_CONFIG).assume_role(
            RoleArn=role, RoleSessionName=f"toms-audit-{plan.client}"
        )["Credentials"]
    except (ClientError, BotoCoreError) as error:
        raise AwsSetupError(
            f"cannot assume {role} (from the {source} credentials): {error_message(error)}"
        ) from None
    assumed = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=config.region,
    )
    return AwsSession(config.region, session=assumed), f"role {role}"


def audit_client(plan: _Plan, template: str | None, out: Path, now: Callable[[], datetime]) -> FleetClient:
    """Audit one client and write its evidence; never raises for the client's own problems."""
    config, evidence = plan.config, out / f"{plan.client}.json"
    credentials = "environment"
    try:
        session, credentials = _session(plan, template)
        if (session.account_id, session.partition) != (config.account_id, config.partition):
            raise AwsSetupError(
                f"the credentials reach account {session.account_id} ({session.partition}); {plan.source} "
                f"deploys {plan.client} only into account {config.account_id} ({config.partition})"
            )
        result = run_audit(
            session,
            plan.client,
            config,
            expected_from=plan.source,
            now=now,
            policy_config=plan.policy_config,
        )
        write_text(evidence, result.to_json(), "--out")
    except (AwsSetupError, OutputPathError) as error:
        removed = evidence.is_file()
        evidence.unlink(missing_ok=True)
        note = f" (the earlier {evidence.name} was removed: it is not this run's evidence)" if removed else ""
        return _not_audited(plan.client, config, credentials, f"{error}{note}")
    return FleetClient(
        client=plan.client,
        account=result.account,
        region=result.region,
        credentials=credentials,
        status="passed" if result.passed else "failed",
        evidence=evidence.name,
        summary=result.summary,
        message=_outcome(result),
    )


def _outcome(result: AuditResult) -> str:
    if result.nothing_tagged:
        return f"nothing tagged client={result.client} in {result.account} {result.region}"
    failing = sorted({finding.check for finding in result.findings if finding.status != "PASS"})
    return "every check passed" if not failing else f"not passing: {', '.join(failing)}"


def audit_all(
    out: Path, template: str | None, jobs: int, now: Callable[[], datetime] = utc_now
) -> FleetAudit:
    started_at = now()
    plans = _plans()
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="toms-audit") as pool:
        pending = [
            plan if isinstance(plan, FleetClient) else pool.submit(audit_client, plan, template, out, now)
            for plan in plans
        ]
        clients = [item if isinstance(item, FleetClient) else item.result() for item in pending]
    return FleetAudit(
        toms_version=__version__,
        started_at=started_at,
        finished_at=now(),
        role_arn_template=template,
        clients=clients,
    )


def print_fleet(console: Console, fleet: FleetAudit) -> None:
    table = Table(title="toms audit --all", show_lines=False)
    for column in ("client", "account", "region", "credentials", *AUDIT_STATUSES, "status"):
        table.add_column(column, overflow="fold")
    for client in fleet.clients:
        counts = [str(client.summary.get(status)) if client.summary else "-" for status in AUDIT_STATUSES]
        style = {"passed": "green", "failed": "red", "not audited": "bold red"}[client.status]
        table.add_row(
            client.client, client.account or "-", client.region or "-", client.credentials, *counts,
            f"[{style}]{client.status}[/{style}]",
        )  # fmt: skip
    console.print(table)
    for client in fleet.clients:
        if client.status != "passed":
            console.print(f"  {client.client}: {client.message}", markup=False)
    console.print(
        f"{len(fleet.clients)} clients: {fleet.count('passed')} passed, {fleet.count('failed')} failed, "
        f"{fleet.count('not audited')} not audited"
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role-arn-template",
        metavar="ARN",
        help="with --all: a role to assume in each client's account, e.g. "
        "arn:aws:iam::{account}:role/toms-audit (placeholders: account, partition, client, region)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"with --all: the folder for each client's evidence (<client>.json) and {SUMMARY_FILE}",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        metavar="N",
        help=f"with --all: clients audited at once (default {DEFAULT_JOBS})",
    )


def run_all(args: argparse.Namespace, single_client_options: Sequence[str]) -> int:
    try:
        given = [option for option in single_client_options if getattr(args, option[2:].replace("-", "_"))]
        if given:
            raise FleetAuditError(
                f"{', '.join(given)} go with --client; --all audits every stack file's client"
            )
        if args.out is None:
            raise FleetAuditError("--all needs --out DIR for the clients' evidence and the fleet summary")
        if args.jobs < 1:
            raise FleetAuditError(f"--jobs {args.jobs}: expected at least 1")
        if args.role_arn_template is not None:
            check_role_template(args.role_arn_template)
        check_output_folder(args.out, "--out")
        args.out.mkdir(parents=True, exist_ok=True)
        fleet = audit_all(args.out, args.role_arn_template, args.jobs)
        write_text(args.out / SUMMARY_FILE, fleet.to_json(), "--out")
    except (FleetAuditError, OutputPathError) as error:
        print(f"toms audit: error: {error}", file=sys.stderr)
        return 2
    print_fleet(log_console(), fleet)
    print(f"evidence and {SUMMARY_FILE} in {shown_path(args.out)}")
    if fleet.count("not audited"):
        return 2
    return 1 if fleet.count("failed") else 0
