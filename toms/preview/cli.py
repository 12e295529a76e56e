"""`python -m toms preview`: what `pulumi preview --policy-pack policies` would decide, with no cloud account.

Exit codes: 0 when no finding is mandatory, 1 when one is, 2 for a usage, config or program error or a
policy pack that crashed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from toms.offline.mock_runtime import ProgramError
from toms.preview import console as preview_console
from toms.preview.fleet import Outcome, default_jobs, preview_stacks
from toms.preview.model import PreviewError, PreviewTarget, StackFailure, StackPreview
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
    parser.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="with --all: stacks previewed at once, each in a worker process with its own policy pack "
        f"process (default: the number of cores, {default_jobs()})",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write resources and findings as JSON")
    parser.add_argument("--sarif", type=Path, metavar="FILE", help="write the findings as SARIF 2.1.0")
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal")
    parser.add_argument(
        "--quiet", action="store_true", help="print only the findings and each stack's verdict line"
    )


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a whole number of at least 1")
    return number


def targets_from_args(args: argparse.Namespace) -> list[PreviewTarget | StackFailure]:
    """What to preview; with --all, a stack whose files cannot be read is a failure of its own."""
    if args.jobs is not None and not args.all:
        raise PreviewError("--jobs goes with --all: one stack is previewed in this process")
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
        targets: list[PreviewTarget | StackFailure] = []
        for stack in repo_stacks():
            try:
                targets.append(stack_target(stack, args.policy_pack_config, default_policy_config=own_pack))
            except (PreviewError, ProjectFileError) as error:
                targets.append(StackFailure(stack, str(error)))
        return targets
    if args.stack:
        return [stack_target(args.stack, args.policy_pack_config, default_policy_config=own_pack)]
    raise PreviewError("name a stack with --stack <client>, or use --all or --program DIR")


def _preview_here(target: PreviewTarget, pack: Path) -> Outcome:
    try:
        return preview(target, pack)
    except PreviewError as error:
        return StackFailure(target.stack, str(error))


def run(args: argparse.Namespace) -> int:
    console = preview_console.make_console(no_color=args.no_color)
    try:
        planned = targets_from_args(args)
    except (PreviewError, ProgramError, ProjectFileError) as error:
        preview_console.print_error(console, str(error))
        return 2
    outcomes: dict[int, Outcome] = {
        index: target for index, target in enumerate(planned) if isinstance(target, StackFailure)
    }
    runnable = [(index, target) for index, target in enumerate(planned) if isinstance(target, PreviewTarget)]
    shown = 0

    def show_ready() -> None:
        # Each stack's result once it and every stack before it are known: the output is in stack order.
        nonlocal shown
        while shown in outcomes:
            ready = outcomes[shown]
            if isinstance(ready, StackFailure):
                preview_console.print_error(console, ready.message, stack=ready.stack)
            else:
                preview_console.print_preview(console, ready, quiet=args.quiet, resources=not args.all)
            shown += 1

    def record(index: int, outcome: Outcome) -> None:
        outcomes[index] = outcome
        show_ready()

    if args.all and runnable:
        preview_stacks(
            [target for _, target in runnable],
            args.policy_pack or default_pack(),
            args.jobs or default_jobs(),
            on_outcome=lambda position, outcome: record(runnable[position][0], outcome),
        )
    else:
        for index, target in runnable:
            record(index, _preview_here(target, args.policy_pack))
    show_ready()
    in_order = [outcomes[index] for index in sorted(outcomes)]
    previews = [outcome for outcome in in_order if isinstance(outcome, StackPreview)]
    failures = [outcome for outcome in in_order if isinstance(outcome, StackFailure)]
    if len(planned) > 1:
        preview_console.print_overall(console, previews, failures)
    try:
        if args.json is not None:
            from toms.preview import json_report

            json_report.write_json(args.json, previews, failures)
        if args.sarif is not None:
            from toms.preview import sarif

            sarif.write_sarif(args.sarif, previews, failures)
    except OSError as error:
        preview_console.print_error(console, f"cannot write the report: {error}")
        return 2
    if failures:
        return 2
    return 0 if all(result.passed for result in previews) else 1
