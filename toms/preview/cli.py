"""`python -m toms preview`: what `pulumi preview --policy-pack policies` would decide, with no cloud account.

Exit codes: 0 when no finding is mandatory, 1 when one is, 2 for a usage, config or program error or a
policy pack that crashed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from toms.offline.mock_runtime import ProgramError
from toms.preview import console as preview_console
from toms.preview.model import PreviewError, PreviewTarget, StackPreview
from toms.preview.run import default_pack, preview, program_target, repo_stacks, stack_target
from toms.project import ProjectFileError

COMMAND = "preview"
HELP = "Preview a stack (or any Pulumi Python program) against the policy pack, offline."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="every stack in this project's stacks/ folder")
    which.add_argument(
        "--program",
        type=Path,
        metavar="DIR",
        help="another Pulumi Python program (its folder with Pulumi.yaml)",
    )
    parser.add_argument(
        "--stack", metavar="NAME", help="the client stack (with --program: the stack name, default dev)"
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a config value for --program (repeatable; a key without namespace gets the project's)",
    )
    parser.add_argument(
        "--config-file",
        type=Path,
        metavar="FILE",
        help="a Pulumi.<stack>.yaml-style config file for --program",
    )
    parser.add_argument(
        "--policy-pack",
        type=Path,
        metavar="DIR",
        help="the policy pack (default: the project's policies/ folder)",
    )
    parser.add_argument(
        "--policy-pack-config",
        type=Path,
        metavar="FILE",
        help="policy config as for `pulumi preview --policy-pack-config` "
        "(default for a client stack: stacks/policy-config/<client>.json when it exists)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write resources and findings as JSON")
    parser.add_argument("--sarif", type=Path, metavar="FILE", help="write the findings as SARIF 2.1.0")
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal")


def targets_from_args(args: argparse.Namespace) -> list[PreviewTarget]:
    if args.program is not None:
        return [
            program_target(args.program, args.stack, args.config, args.config_file, args.policy_pack_config)
        ]
    if args.config or args.config_file:
        raise PreviewError(
            "--config and --config-file go with --program; a client stack reads its stack file"
        )
    own_pack = args.policy_pack is None or args.policy_pack.resolve() == default_pack()
    if args.all:
        if args.stack:
            raise PreviewError("--all previews every stack; leave out --stack")
        stacks = repo_stacks()
    elif args.stack:
        stacks = [args.stack]
    else:
        raise PreviewError("name a stack with --stack <client>, or use --all or --program DIR")
    return [stack_target(stack, args.policy_pack_config, default_policy_config=own_pack) for stack in stacks]


def run(args: argparse.Namespace) -> int:
    console = preview_console.make_console(no_color=args.no_color)
    try:
        targets = targets_from_args(args)
    except (PreviewError, ProgramError, ProjectFileError) as error:
        preview_console.print_error(console, str(error))
        return 2
    previews: list[StackPreview] = []
    failed = False
    for target in targets:
        try:
            result = preview(target, args.policy_pack)
        except PreviewError as error:
            failed = True
            preview_console.print_error(console, str(error), stack=target.stack)
            continue
        previews.append(result)
        preview_console.print_preview(console, result)
    if len(targets) > 1:
        preview_console.print_overall(console, previews, errors=len(targets) - len(previews))
    try:
        if args.json is not None:
            from toms.preview import json_report

            json_report.write_json(args.json, previews)
        if args.sarif is not None:
            from toms.preview import sarif

            sarif.write_sarif(args.sarif, previews)
    except OSError as error:
        preview_console.print_error(console, f"cannot write the report: {error}")
        return 2
    if failed:
        return 2
    return 0 if all(result.passed for result in previews) else 1
