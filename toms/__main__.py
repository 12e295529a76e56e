"""`python -m toms <command>`: the tools around the baseline, one module per command."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from toms import __version__

# Each command's module defines `COMMAND` (its name), `HELP` (one line), `add_arguments(parser)` and
# `run(args) -> int` (the process exit code).
COMMANDS: dict[str, str] = {
    "deploy": "toms.deploy",
    "audit": "toms.audit",
    "restore-drill": "toms.restore_drill",
    "preview": "toms.preview.cli",
    "report": "toms.report",
    "stacks": "toms.stacks",
}
COMMAND_MODULES: tuple[str, ...] = tuple(COMMANDS.values())


def _modules_for(argv: Sequence[str] | None) -> tuple[str, ...]:
    """Only the named command's module when the command line names one: `toms preview` need not import
    boto3."""
    words = list(sys.argv[1:] if argv is None else argv)
    first = next((word for word in words if not word.startswith("-")), None)
    return (COMMANDS[first],) if first in COMMANDS else COMMAND_MODULES


def build_parser(module_names: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m toms", description=__doc__)
    parser.add_argument("--version", action="version", version=f"toms {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in module_names:
        module = importlib.import_module(module_name)
        command = commands.add_parser(module.COMMAND, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser(_modules_for(argv)).parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    # A toms command is a short process. Running a Pulumi program builds thousands of generated classes,
    # and the cyclic collector walked them again and again (a fifth of a preview); what little garbage
    # forms in a few seconds goes with the process.
    gc.disable()
    try:
        exit_code = main()
    except KeyboardInterrupt:
        # Ctrl-C before a command took charge of it: one line, the shell's code for SIGINT.
        print("error: interrupted", file=sys.stderr)
        exit_code = 130
    # Every file is written and closed and the pack process has stopped by now. Tearing down an
    # interpreter that ran a Pulumi program (pulumi_aws's thousands of generated classes) takes about
    # 0.7 s, a third of a preview, so the process leaves without it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
