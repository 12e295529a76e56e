"""`python -m toms preview`: what `pulumi preview --policy-pack policies` would decide, with no cloud account.

Exit codes: 0 when no finding is mandatory, 1 when one is, 2 for a usage, config or program error, a
policy pack that crashed, or a stack that cannot pass offline (a component a provider plugin implements);
130 on Ctrl-C and 143 on SIGTERM: one line, and the program and the pack are ended (toms/interruption.py).
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from toms import interruption
from toms.offline.records import ProgramError
from toms.preview.model import PreviewError, PreviewFailure, PreviewOutcome, PreviewTarget
from toms.preview.outputs import StackStream
from toms.preview.targets import (
    DEFAULT_PROGRAM_STACK,
    default_pack,
    program_target,
    read_invoke_answers,
    read_stack_references,
    repo_stacks,
    stack_target,
    start_program,
)
from toms.project import ProjectFileError

if TYPE_CHECKING:
    from rich.console import Console

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
        "--invoke-answers",
        type=Path,
        metavar="FILE",
        help="YAML: provider function token -> the result it gives, for --program "
        "(functions not listed answer with placeholder values, listed in the output)",
    )
    parser.add_argument(
        "--stack-reference",
        type=Path,
        metavar="FILE",
        help="YAML: stack name -> its outputs, for --program "
        "(otherwise a StackReference's outputs are unknown)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write resources and findings as JSON")
    parser.add_argument("--sarif", type=Path, metavar="FILE", help="write the findings as SARIF 2.1.0")
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal")
    parser.add_argument(
        "--quiet", action="store_true", help="print only the findings and each stack's verdict line"
    )
    parser.add_argument(
        "--jobs",
        type=_positive,
        metavar="N",
        help="with --all: stacks previewed at once, each in a worker process with its own policy pack "
        f"process and program interpreter (default: the number of cores, {os.cpu_count() or 1})",
    )


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a whole number of at least 1")
    return number


def _program_target(args: argparse.Namespace) -> PreviewTarget:
    return program_target(
        args.program,
        args.stack,
        args.config,
        args.config_file,
        args.policy_pack_config,
        invoke_answers=read_invoke_answers(args.invoke_answers) if args.invoke_answers else None,
        stack_references=read_stack_references(args.stack_reference) if args.stack_reference else None,
    )


def planned_targets(args: argparse.Namespace) -> list[tuple[str, Callable[[], PreviewTarget]]]:
    """Each stack to preview, with how to read its target: a stack that cannot be read fails alone."""
    if args.jobs is not None and not args.all:
        raise PreviewError("--jobs goes with --all: one stack is previewed in this process")
    if args.program is not None:
        return [(args.stack or DEFAULT_PROGRAM_STACK, functools.partial(_program_target, args))]
    if args.config or args.config_file or args.invoke_answers or args.stack_reference:
        raise PreviewError(
            "--config, --config-file, --invoke-answers and --stack-reference go with --program; "
            "a client stack reads its stack file"
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
    return [
        (
            stack,
            functools.partial(stack_target, stack, args.policy_pack_config, default_policy_config=own_pack),
        )
        for stack in stacks
    ]


def _preview_one(stack: str, target_of: Callable[[], PreviewTarget], pack: Path | None) -> PreviewOutcome:
    try:
        target = target_of()
    except (PreviewError, ProgramError, ProjectFileError) as error:
        return PreviewFailure(stack, None, str(error), unreadable=True)
    try:
        # The program starts first; loading the pack's side (the analyzer client, the SDK's protocol
        # modules) and the console's then overlaps with it.
        program = start_program(target)
        threading.Thread(target=_ui, name="load-console", daemon=True).start()
        from toms.preview.run import preview

        return preview(target, pack, program)
    except (PreviewError, ProgramError, ProjectFileError) as error:
        return PreviewFailure(stack, target.program_dir, str(error))


def _preview_in_workers(
    args: argparse.Namespace,
    planned: list[tuple[str, Callable[[], PreviewTarget]]],
    show: Callable[[int, PreviewOutcome], None],
) -> None:
    """`--all`: the stacks whose files can be read go to worker processes (toms/preview/fleet.py)."""
    from toms.preview.fleet import default_jobs, preview_stacks

    runnable: list[tuple[int, PreviewTarget]] = []
    for index, (stack, target_of) in enumerate(planned):
        try:
            runnable.append((index, target_of()))
        except (PreviewError, ProgramError, ProjectFileError) as error:
            show(index, PreviewFailure(stack, None, str(error), unreadable=True))
    if runnable:
        preview_stacks(
            [target for _, target in runnable],
            args.policy_pack or default_pack(),
            args.jobs or default_jobs(),
            on_outcome=lambda position, outcome: show(runnable[position][0], outcome),
        )


# What an interrupted preview says after its cause.
INTERRUPTED_OUTCOME = "no report was written"


def run(args: argparse.Namespace) -> int:
    # Under the `toms` command a signal ends the run at once (toms/interruption.py), saying this.
    interruption.report_outcome(INTERRUPTED_OUTCOME)
    try:
        return _run(args)
    except KeyboardInterrupt:
        # Every child process was ended on the way out (the pack's and the program's `finally`s).
        print(interruption.ending_line(signal.SIGINT, INTERRUPTED_OUTCOME), file=sys.stderr)
        return interruption.exit_code(signal.SIGINT)


def _ui() -> ModuleType:
    """The console output module (rich, the catalogue), loaded when there is something to show: by then the
    first program is already running."""
    from toms.preview import console

    return console


def _console(args: argparse.Namespace) -> Console:
    return _ui().make_console(no_color=args.no_color)


def _run(args: argparse.Namespace) -> int:
    try:
        planned = planned_targets(args)
    except (PreviewError, ProgramError, ProjectFileError) as error:
        _ui().print_error(_console(args), str(error))
        return 2

    def show(index: int, outcome: PreviewOutcome) -> None:
        if isinstance(outcome, PreviewFailure):
            # One stack whose files cannot be read is a plain usage error; among several, say which.
            named = outcome.stack if len(planned) > 1 or not outcome.unreadable else None
            _ui().print_error(_console(args), outcome.message, stack=named)
        else:
            _ui().print_preview(_console(args), outcome, quiet=args.quiet, resources=not args.all)

    # Each stack's result is shown and written once it and every stack before it are known, in stack
    # order; the parent keeps only each stack's tally (toms/preview/outputs.py).
    with StackStream(show, json_path=args.json, sarif_path=args.sarif) as stream:
        remove_scratch = interruption.end_on_interrupt(stream.close)
        if args.all:
            _preview_in_workers(args, planned, stream.arrived)
        else:
            for index, (stack, target_of) in enumerate(planned):
                stream.arrived(index, _preview_one(stack, target_of, args.policy_pack))
        tallies = stream.tallies
        if len(planned) > 1:
            _ui().print_overall(_console(args), tallies)
        try:
            # Each report is written whole: a signal meanwhile ends the command once they are written.
            with interruption.held():
                stream.write_reports()
                interruption.report_outcome("the previews were done and their reports written")
        except OSError as error:
            _ui().print_error(_console(args), f"cannot write the report: {error}")
            return 2
        finally:
            interruption.forget(remove_scratch)
    if any(tally.verdict in ("error", "incomplete") for tally in tallies):
        return 2
    return 0 if all(tally.verdict == "pass" for tally in tallies) else 1
