"""`toms.interruption`: SIGINT, SIGTERM and SIGHUP end a toms command wherever it is, ending its registered
child processes, with one line and 128 + the signal's number.

Each case is a small script in its own interpreter (the handler ends the process), which says on stdout
when it has reached the point the case sends the signal at.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.toms.preview.processes import ended

# Starts a child that would outlive the script (a session of its own, as the program's interpreter runs),
# registers it, says "ready <pid>" and waits.
CHILD_REGISTERED = """
    import functools, subprocess, sys, time
    from toms import interruption
    interruption.install()
    {outcome}
    child = subprocess.Popen(["sleep", "60"], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    interruption.end_on_interrupt(functools.partial(interruption.kill_process_group, child.pid))
    print("ready", child.pid, flush=True)
    time.sleep(60)
    print("not interrupted", flush=True)
"""


def start(script: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def interrupt_when_ready(process: subprocess.Popen[str], number: int) -> tuple[str, str, str]:
    """Wait for the script's "ready" line, send `number`, and return (the ready line, stdout, stderr)."""
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("ready"), process.communicate(timeout=30)
        process.send_signal(number)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return ready, out, err


@pytest.mark.parametrize(
    ("number", "line"),
    [
        (signal.SIGINT, "error: interrupted"),
        (signal.SIGTERM, "error: terminated (SIGTERM)"),
        (signal.SIGHUP, "error: hung up (SIGHUP)"),
    ],
)
def test_a_signal_ends_the_registered_children_and_the_command_with_one_line(
    number: signal.Signals, line: str
) -> None:
    ready, out, err = interrupt_when_ready(start(CHILD_REGISTERED.format(outcome="")), number)

    assert err.splitlines() == [line]
    assert out == ""
    child = int(ready.split()[1])
    assert ended(child), f"the registered child {child} still runs"


def test_the_command_names_what_it_did_not_do() -> None:
    script = CHILD_REGISTERED.format(outcome='interruption.report_outcome("no report was written")')
    process = start(script)

    _, _, err = interrupt_when_ready(process, signal.SIGINT)

    assert process.returncode == 130
    assert err.splitlines() == ["error: interrupted; no report was written"]


def test_the_exit_code_is_128_plus_the_signal() -> None:
    codes = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        process = start(CHILD_REGISTERED.format(outcome=""))
        interrupt_when_ready(process, number)
        codes[number] = process.returncode
    assert codes == {signal.SIGINT: 130, signal.SIGTERM: 143}


def test_a_signal_inside_held_waits_for_the_end_of_the_block(tmp_path: Path) -> None:
    written = tmp_path / "written"
    script = f"""
        import pathlib, time
        from toms import interruption
        interruption.install()
        with interruption.held():
            print("ready", flush=True)
            time.sleep(1)
            pathlib.Path({str(written)!r}).write_text("whole")
            print("block done", flush=True)
        print("after the block", flush=True)
    """
    process = start(script)

    _, out, err = interrupt_when_ready(process, signal.SIGINT)

    assert written.read_text() == "whole"
    assert out.splitlines() == ["block done"]
    assert err.splitlines() == ["error: interrupted"]
    assert process.returncode == 130


def test_a_signal_that_lands_in_a_finalizer_still_ends_the_command() -> None:
    # Python's own handler raises KeyboardInterrupt in whatever frame runs; in a finalizer that is printed
    # as "Exception ignored in ..." and lost, and the command goes on (the hang seen in `toms preview`).
    script = """
        import sys, time
        from toms import interruption
        {install}
        class Slow:
            def __del__(self):
                print("ready", flush=True)
                time.sleep(5)
        Slow()
        print("went on after the signal", flush=True)
    """
    default = start(script.format(install=""))
    _, out, err = interrupt_when_ready(default, signal.SIGINT)
    assert "Exception ignored" in err and out == "went on after the signal\n"  # the failure this prevents

    process = start(script.format(install="interruption.install()"))
    _, out, err = interrupt_when_ready(process, signal.SIGINT)

    assert (process.returncode, out, err) == (130, "", "error: interrupted\n")


def test_a_second_signal_while_the_children_are_stopped_is_ignored() -> None:
    # The stop function takes a while (as stopping preview workers does); a second Ctrl-C meanwhile must
    # neither cut it short nor print a second line.
    script = """
        import os, signal, time
        from toms import interruption
        interruption.install()
        def slow_stop():
            print("stopping", flush=True)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
            print("stopped", flush=True)
        interruption.end_on_interrupt(slow_stop)
        print("ready", flush=True)
        time.sleep(60)
    """
    process = start(script)

    _, out, err = interrupt_when_ready(process, signal.SIGTERM)

    assert out.splitlines() == ["stopping", "stopped"]
    assert err.splitlines() == ["error: terminated (SIGTERM)"]
    assert process.returncode == 143


def test_a_forgotten_child_is_left_alone() -> None:
    script = """
        import functools, os, signal, subprocess, time
        from toms import interruption
        interruption.install()
        child = subprocess.Popen(["sleep", "60"], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        token = interruption.end_on_interrupt(functools.partial(interruption.kill_process_group, child.pid))
        interruption.forget(token)
        print("ready", child.pid, flush=True)
        time.sleep(60)
    """
    ready, _, _ = interrupt_when_ready(start(script), signal.SIGINT)
    child = int(ready.split()[1])
    try:
        assert not ended(child, within=0)
    finally:
        os.killpg(child, signal.SIGKILL)


# A child that notes each SIGINT/SIGTERM it gets in the file named by argv[1], says "ready" once it can, and
# ends after the second.
NOTING_CHILD = """
import signal, sys, time
noted = []
def note(number, frame):
    noted.append(number)
    with open(sys.argv[1], "a") as file:
        file.write(signal.Signals(number).name + "\\n")
signal.signal(signal.SIGINT, note)
signal.signal(signal.SIGTERM, note)
print("ready", flush=True)
deadline = time.monotonic() + 60
while len(noted) < 2 and time.monotonic() < deadline:
    time.sleep(0.01)
"""


def test_a_signal_before_the_child_is_attached_is_handed_on_once_it_is(tmp_path: Path) -> None:
    noted = tmp_path / "noted"
    script = f"""
        import os, signal, subprocess, sys
        from toms import interruption
        interruption.install()
        requests = {{signal.SIGINT: None, signal.SIGTERM: signal.SIGTERM, signal.SIGHUP: signal.SIGTERM}}
        with interruption.handed_over(requests, before_attach={{signal.SIGINT: signal.SIGINT}}) as handover:
            os.kill(os.getpid(), signal.SIGINT)  # before the child exists: handed on as SIGINT when it does
            child = subprocess.Popen([sys.executable, "-c", {NOTING_CHILD!r}, {str(noted)!r}], stdout=subprocess.PIPE, text=True)
            child.stdout.readline()
            handover.attach(child)
            os.kill(os.getpid(), signal.SIGINT)  # attached: not handed on (None)
            os.kill(os.getpid(), signal.SIGHUP)  # attached: handed on as SIGTERM
            child.wait(timeout=60)
        print([s.name for s in handover.received], [s.name for s in handover.sent], flush=True)
    """
    process = start(script)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert err == ""
    assert out.splitlines() == ["['SIGINT', 'SIGINT', 'SIGHUP'] ['SIGINT', 'SIGTERM']"]
    # The child's handler for one may run inside its handler for the other: their order is not kept.
    assert sorted(noted.read_text().splitlines()) == ["SIGINT", "SIGTERM"]
    assert process.returncode == 0  # the block decides how the command ends, not the handler


def test_a_child_started_inside_ignored_by_children_ignores_the_signal_and_the_parent_still_gets_it() -> None:
    script = """
        import os, signal, subprocess
        from toms import interruption
        got = []
        signal.signal(signal.SIGHUP, lambda number, frame: got.append(number))
        with interruption.ignored_by_children(signal.SIGHUP):
            child = subprocess.Popen(["sleep", "60"])
            os.kill(os.getpid(), signal.SIGHUP)  # held back until the block ends, not lost
            assert got == []
        ignored = next(line for line in open(f"/proc/{child.pid}/status") if line.startswith("SigIgn:"))
        child.kill()
        child.wait()
        print(bool(int(ignored.split()[1], 16) & (1 << (signal.SIGHUP - 1))), got == [signal.SIGHUP], flush=True)
    """
    process = start(script)
    out, err = process.communicate(timeout=60)

    assert (out, err) == ("True True\n", "")
