"""`toms <command>` (or `python -m toms <command>`): the tools around the baseline, one module per command.

`make` installs the `toms` command into the virtualenv (`[project.scripts]` in pyproject.toml); it works from
any folder inside the project, or on the project named with `--project DIR`."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from toms import __version__, interruption
from toms.project import ProjectNotFound, add_project_option, select_project

# Each command's module defines `COMMAND` (its name), `HELP` (one line), `add_arguments(parser)` and
# `run(args) -> int` (the process exit code).
COMMANDS: dict[str, str] = {
    "deploy": "toms.deploy",
    "audit": "toms.live.audit",
    "restore-drill": "toms.live.restore_drill",
    "preview": "toms.preview.cli",
    "report": "toms.report.command",
    "stacks": "toms.stacks",
}
COMMAND_MODULES: tuple[str, ...] = tuple(COMMANDS.values())


def _modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    """Only the named command's module when the command line names one: `toms preview` need not import
    boto3."""
    words = iter(sys.argv[1:] if argv is None else argv)
    first = None
    for word in words:
        if word == "--project":
            next(words, None)  # its value, DIR, is not the command
        elif not word.startswith("-"):
            first = word
            break
    return (COMMANDS[first],) if first in COMMANDS else COMMAND_MODULES


def build_parser(module_names: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="toms", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"toms {__version__}")
    add_project_option(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in module_names:
        module = importlib.import_module(module_name)
        command = commands.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        add_project_option(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(_modules_for(argv)).parse_args(argv)
    try:
        select_project(args.project)
        return int(args.run(args))
    except ProjectNotFound as error:
        print(f"toms {args.command}: {error}", file=sys.stderr)
        return 2
    finally:
        # The choice lasts for this command line only (tests run several in one process).
        select_project(None)


def console_main() -> None:
    """The `toms` command (and `python -m toms`): one command line, then the process ends."""
    # Before any command is imported: a signal ends the command, its child processes with it, at any point.
    interruption.install()
    # A toms command is a short process. Running a Pulumi program builds thousands of generated classes,
    # and the cyclic collector walked them again and again (a fifth of a preview); what little garbage
    # forms in a few seconds goes with the process.
    gc.disable()
    exit_code = main()
    # Every file is written and closed and the pack process has stopped by now. Tearing down an
    # interpreter that ran a Pulumi program (pulumi_aws's thousands of generated classes) takes about
    # 0.7 s, a third of a preview, so the process leaves without it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)


if __name__ == "__main__":
    console_main()
