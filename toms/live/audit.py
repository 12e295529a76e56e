"""`python -m toms audit`: check, in the live account, the measures that can be checked there.

The policy pack proves what a preview will deploy; this proves what is running. The checks are registered
per service in `toms/live/checks/`; each check id is named by a measure in `policies/toms_pack/catalogue.py`,
and every finding carries the ids of the measures it serves. The client's resources are found by the tags
the provider puts on every resource of the baseline (`client=<client>`, `managed-by=pulumi`), so a restore
drill's temporary instance is never audited. Live values are compared with what the client's stack file
says, read and validated by the program's own code; without a stack file, with the pack's default bounds.
A call that AWS refuses becomes an ERROR finding for the checks that needed it, and the audit goes on.
The result (`toms.live.models.AuditResult`) records the account (from STS), partition, region, toms
version and time, so the report can refuse evidence of another account.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from toms.live import fleet
from toms.live.audit_output import print_result, render_markdown
from toms.live.auditor import run_audit
from toms.live.session import AwsSession, AwsSetupError, log_console
from toms.live.stacks import PACK_DEFAULT_BOUNDS, StackFileError, load_expectations, stack_clients
from toms.output_paths import OutputPathError, check_output_file, write_text

COMMAND = "audit"
# Options of one client's audit that `--all` does not take.
SINGLE_CLIENT_OPTIONS = ("--region", "--stack-file", "--json", "--markdown")
HELP = "Check a client's running resources against the measures and report PASS / FAIL / ERROR."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        help="AWS region of the client's stack (default: the stack file's aws:region, else AWS_REGION "
        "or the profile's)",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--client", help="client name, the value of the `client` tag")
    which.add_argument(
        "--all",
        action="store_true",
        help="every client whose stack file exists, each with its stack's credentials, in parallel",
    )
    parser.add_argument(
        "--stack-file",
        type=Path,
        metavar="FILE",
        help="the client's Pulumi stack file to compare with (default: stacks/Pulumi.<client>.yaml of this "
        f"repository when it exists, else the {PACK_DEFAULT_BOUNDS})",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the findings as JSON evidence")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="write the findings as a Markdown table"
    )
    fleet.add_arguments(parser)


def _fail(message: str) -> int:
    print(f"toms audit: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if args.all:
        return fleet.run_all(args, SINGLE_CLIENT_OPTIONS)
    fleet_options = [option for option in fleet.FLEET_OPTIONS if getattr(args, option[2:].replace("-", "_"))]
    if fleet_options:
        return _fail(f"{', '.join(fleet_options)} go with --all")
    if not args.client.strip():
        return _fail("--client must not be empty")
    try:
        if args.json:
            check_output_file(args.json, "--json")
        if args.markdown:
            check_output_file(args.markdown, "--markdown")
        expectations = load_expectations(args.client, args.stack_file)
    except (OutputPathError, StackFileError) as error:
        return _fail(str(error))
    region = args.region
    config = expectations.config
    if config is not None:
        if region is not None and region != config.region:
            return _fail(
                f"--region {region}: {expectations.source} deploys {args.client} to {config.region}; "
                "expected that region or no --region"
            )
        region = config.region
    try:
        session = AwsSession(region)
    except AwsSetupError as error:
        return _fail(str(error))
    if config is not None and (session.account_id, session.partition) != (
        config.account_id,
        config.partition,
    ):
        return _fail(
            f"the credentials reach account {session.account_id} ({session.partition}); "
            f"{expectations.source} deploys {args.client} only into account {config.account_id} "
            f"({config.partition})"
        )
    result = run_audit(
        session,
        args.client,
        config,
        expected_from=expectations.source,
        policy_config=expectations.policy_config,
    )
    print_result(log_console(), result, stack_clients())
    try:
        if args.json:
            write_text(args.json, result.to_json(), "--json")
        if args.markdown:
            write_text(args.markdown, render_markdown(result), "--markdown")
    except OutputPathError as error:
        return _fail(str(error))
    return 0 if result.passed else 1
