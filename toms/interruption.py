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
A command that takes the signals over for a while does it inside `taken_over()`, which puts these handlers
back afterwards: the restore drill cleans up after itself, and `deploy` hands each signal to pulumi
(`handed_over()`), which cancels an update cleanly by itself, and ends only once pulumi has ended.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import FrameType
from typing import Any

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


def exit_code(number: int) -> int:
    """The shell's exit code for a command a signal ended: 128 + the signal's number."""
    return 128 + number


def ending_line(number: int, outcome: str | None) -> str:
    """The one line a command that a signal ended says: the cause, then what the command adds."""
    cause = CAUSES.get(signal.Signals(number), signal.Signals(number).name)
    return f"error: {cause}" + (f"; {outcome}" if outcome else "")


@contextmanager
def taken_over(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """While the block runs, `handler` gets the stop signals instead of this module. Python runs signal
    handlers in the main thread only, so elsewhere the block runs without it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, handler) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, previous_handler in previous.items():
            signal.signal(number, previous_handler)


class Handover:
    """The stop signals this process receives, each handed on to one child process as the signal that
    asks it to stop (`requests`; None: not handed on), from `handed_over()`.

    A signal that arrives before the child is attached is handed on (as `before_attach` says, by default
    as `requests` does) as soon as it is. Each is sent once: the queue is emptied with `popleft`, which a
    handler running in the middle cannot repeat.
    """

    def __init__(
        self,
        requests: Mapping[signal.Signals, signal.Signals | None],
        before_attach: Mapping[signal.Signals, signal.Signals | None] | None = None,
    ) -> None:
        self.requests = dict(requests)
        self.before_attach = dict(requests if before_attach is None else before_attach)
        # Every stop signal received, in order; the first decides the exit code.
        self.received: list[signal.Signals] = []
        # What was sent to the child, in order.
        self.sent: list[signal.Signals] = []
        self._to_send: deque[signal.Signals] = deque()
        self._child: subprocess.Popen[Any] | None = None

    def attach(self, child: subprocess.Popen[Any]) -> None:
        """The child exists: hand it what arrived before, and from now on each signal as it comes."""
        self._child = child
        self._send()

    def _on_signal(self, number: int, _frame: FrameType | None) -> None:
        received = signal.Signals(number)
        self.received.append(received)
        request = (self.requests if self._child is not None else self.before_attach).get(received)
        if request is not None:
            self._to_send.append(request)
        self._send()

    def _send(self) -> None:
        while self._child is not None:
            try:
                request = self._to_send.popleft()
            except IndexError:
                return
            # Not to a child already waited for, whose pid may be another process's by now.
            self._child.send_signal(request)
            if self._child.returncode is None:
                self.sent.append(request)


@contextmanager
def handed_over(
    requests: Mapping[signal.Signals, signal.Signals | None],
    before_attach: Mapping[signal.Signals, signal.Signals | None] | None = None,
) -> Iterator[Handover]:
    """While the block runs, a stop signal does not end the command: it is handed on to the child the block
    attaches (`Handover`), and the block goes on, typically waiting for that child; afterwards the command
    says how it ended (`ending_line`, `exit_code`) and returns."""
    handover = Handover(requests, before_attach)
    with taken_over(handover._on_signal):
        yield handover


def in_terminal_foreground() -> bool:
    """Whether this process is in the foreground job of its terminal: the terminal then sends Ctrl-C (SIGINT)
    and its hang-up (SIGHUP) to this process's whole process group, children in it included."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            if os.tcgetpgrp(stream.fileno()) == os.getpgrp():
                return True
        except (AttributeError, OSError, ValueError):  # no such stream, not a terminal, or closed
            continue
    return False


@contextmanager
def ignored_by_children(number: signal.Signals) -> Iterator[None]:
    """A child process started inside the block starts with `number` ignored, which it keeps across exec
    (a Go program such as pulumi keeps an ignored SIGHUP ignored). This process still gets one that arrives
    meanwhile: blocked in this thread, it waits for the block's end. Lost only if another thread of this
    process takes it in those few milliseconds, or it lands between blocking it and ignoring it."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {number})
    handler = signal.signal(number, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(number, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


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
    _say(ending_line(number, _state.outcome))
    os._exit(exit_code(number))


def _say(line: str) -> None:
    # Straight to the file descriptor: the handler may have interrupted a write to sys.stderr, whose buffer
    # refuses a reentrant one. With no stderr to say it on, the exit code still does.
    with contextlib.suppress(OSError, ValueError):
        os.write(sys.stderr.fileno(), f"{line}\n".encode(errors="replace"))
