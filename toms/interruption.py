"""Ctrl-C (SIGINT), SIGTERM (a cancelled CI job) and SIGHUP (a closed terminal) end a `toms` command at
once, wherever it is, with one line and the shell's exit code for the signal (128 + its number: 130 for
Ctrl-C).

Python's own SIGINT handler raises KeyboardInterrupt in whatever frame happens to run. One that lands in a
finalizer or a callback is printed as "Exception ignored ..." and lost, and the command then waits on the
program the user wanted stopped. So `toms` installs this handler before it imports any command, and the
handler does the work itself: it ends every child process registered with `end_on_interrupt` (the
program's interpreter, the policy pack, preview workers), prints the line and leaves the process.

What must not be cut in half runs inside `held()`: a signal then is remembered, and acted on when the block
ends (a report is written whole or not at all; a child process is registered as soon as it exists).
A command that takes the signals over for a while (the restore drill cleans up after itself, `deploy` lets
pulumi cancel) installs its own handlers and puts these back afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
CAUSES = {
    signal.SIGINT: "interrupted",
    signal.SIGTERM: "terminated (SIGTERM)",
    signal.SIGHUP: "hung up (SIGHUP)",
}


class _State:
    """The handler's state; one per process."""

    def __init__(self) -> None:
        # What the command's line adds after the cause, e.g. "no report was written".
        self.outcome: str | None = None
        # Each registered child's stop function, by registration.
        self.stoppers: dict[int, Callable[[], None]] = {}
        self.next_token = 0
        self.holding = 0
        self.pending: int | None = None


_state = _State()


def install() -> None:
    """Make SIGINT, SIGTERM and SIGHUP end this process as the module says (the `toms` command only)."""
    for number in STOP_SIGNALS:
        signal.signal(number, _on_signal)


def report_outcome(outcome: str | None) -> None:
    """What the line says after the cause when a signal ends the command from now on (None: nothing)."""
    _state.outcome = outcome


def end_on_interrupt(stop: Callable[[], None]) -> int:
    """Call `stop` (which must not block for long) if a signal ends the command; a token for `forget`."""
    _state.next_token += 1
    _state.stoppers[_state.next_token] = stop
    return _state.next_token


def forget(token: int) -> None:
    """The child registered under `token` has ended; a signal no longer needs to stop it."""
    _state.stoppers.pop(token, None)


def kill_process_group(pid: int) -> None:
    """Kill a child that leads a process group (a session) of its own, and the group with it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        kill_process(pid)


def kill_process(pid: int) -> None:
    """Kill a child process, unless it has ended already."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)


@contextmanager
def held() -> Iterator[None]:
    """A signal that arrives inside the block ends the command when the block ends, not before."""
    _state.holding += 1
    try:
        yield
    finally:
        _state.holding -= 1
        if not _state.holding and _state.pending is not None:
            _on_signal(_state.pending, None)


def _on_signal(number: int, _frame: FrameType | None) -> None:
    if _state.holding:
        _state.pending = _state.pending or number
        return
    # No more signals: a second Ctrl-C must not cut this short.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    for stop in list(_state.stoppers.values()):
        try:
            stop()
        except Exception as error:  # one child that cannot be stopped does not keep the others running
            _say(f"error: could not stop a child process: {error}")
    for stream in (sys.stdout, sys.stderr):
        # Closed, broken, or amid a write this handler interrupted: the line still goes out.
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            stream.flush()
    cause = CAUSES.get(signal.Signals(number), signal.Signals(number).name)
    _say(f"error: {cause}" + (f"; {_state.outcome}" if _state.outcome else ""))
    os._exit(128 + number)


def _say(line: str) -> None:
    # Straight to the file descriptor: the handler may have interrupted a write to sys.stderr, whose buffer
    # refuses a reentrant one. With no stderr to say it on, the exit code still does.
    with contextlib.suppress(OSError, ValueError):
        os.write(sys.stderr.fileno(), f"{line}\n".encode(errors="replace"))
