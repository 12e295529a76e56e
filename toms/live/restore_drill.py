"""`python -m toms restore-drill`: restore a database's newest snapshot into a temporary instance, verify it,
delete it, and record the evidence (`toms/live/drill.py` does the drill).

SIGTERM (a cancelled CI job) and SIGHUP (a closed terminal) stop the drill exactly as Ctrl-C does: the
temporary instance is deleted and the evidence, a FAIL naming the signal, is written. A further signal
during that deletion is noted in one line and does not cut it short.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from botocore.exceptions import BotoCoreError, ClientError

from toms import interruption
from toms.live.drill import (
    DEFAULT_MAX_WAIT_MINUTES,
    DEFAULT_WAITER_DELAY_SECONDS,
    RestoreDrill,
    UsageError,
)
from toms.live.session import AwsSession, AwsSetupError, error_message, log_console
from toms.output_paths import OutputPathError, check_output_file, write_text

COMMAND = "restore-drill"
HELP = (
    "Restore a database's newest snapshot into a temporary instance, verify it, delete it, record evidence."
)


@contextmanager
def signals_interrupt(drill: RestoreDrill) -> Iterator[None]:
    """While the drill runs, SIGINT, SIGTERM and SIGHUP stop it (`RestoreDrill.stop_signal`: the first
    raises `Interrupted` in the main thread; one during the cleanup that follows is noted, not obeyed)."""

    def stop(signal_number: int, _: FrameType | None) -> None:
        drill.stop_signal(signal.Signals(signal_number).name)

    # The signals that end any toms command; each becomes an `Interrupted` naming it, so all clean up alike.
    with interruption.taken_over(stop):
        yield


def _positive_minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of minutes, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help="AWS region of the database (default: AWS_REGION or the profile's)")
    parser.add_argument(
        "--db-instance", required=True, metavar="ID", help="identifier of the source DB instance"
    )
    parser.add_argument(
        "--max-wait-minutes",
        type=_positive_minutes,
        default=DEFAULT_MAX_WAIT_MINUTES,
        metavar="N",
        help=f"stop waiting for the restore or deletion after N minutes (default {DEFAULT_MAX_WAIT_MINUTES})",
    )
    parser.add_argument("--evidence", type=Path, metavar="FILE", help="write the drill's evidence as JSON")
    parser.add_argument(
        "--clean-up-previous",
        action="store_true",
        help="delete an earlier drill's temporary instance of this database before starting",
    )


def _fail(message: str) -> int:
    print(f"toms restore-drill: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace, waiter_delay: float = DEFAULT_WAITER_DELAY_SECONDS) -> int:
    console = log_console()
    try:
        if args.evidence:
            check_output_file(args.evidence, "--evidence")
        session = AwsSession(args.region)
    except (OutputPathError, AwsSetupError) as error:
        return _fail(str(error))
    drill = RestoreDrill(
        session, args.db_instance, args.max_wait_minutes, waiter_delay=waiter_delay, console=console
    )
    try:
        with signals_interrupt(drill):
            evidence = drill.run(args.clean_up_previous)
    except UsageError as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        # Only the preparation can be interrupted here; the steps handle interruptions themselves.
        print(
            "toms restore-drill: interrupted before the restore started; nothing was created", file=sys.stderr
        )
        return 1
    except (ClientError, BotoCoreError) as error:
        # Only the preparation (reading the source, listing snapshots) reaches here: nothing was created.
        return _fail(error_message(error))
    if evidence.result == "PASS":
        console.print(f"[bold green]PASS[/]: restored {args.db_instance} in {evidence.restore_seconds} s")
    else:
        console.print(f"[bold red]FAIL[/]: {evidence.error}", highlight=False)
    if args.evidence:
        try:
            write_text(args.evidence, evidence.to_json(), "--evidence")
        except OutputPathError as error:
            return _fail(str(error))
    return 0 if evidence.result == "PASS" else 1
