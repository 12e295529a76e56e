"""`toms preview --all`: many stacks over worker processes, one policy pack process per worker.

Each worker is a fresh interpreter (spawned, so it inherits no thread or gRPC state from this process)
that takes one stack at a time, runs its program under the mock runtime and has its own pack process judge
it. The pack process stays up between the worker's stacks: starting a pack costs about as much as judging
a stack, so a fleet of N stacks pays that once per worker instead of N times. Before each stack the pack
gets that stack's policy config (`Configure`, which replaces the previous one whole) and the stack itself
(`ConfigureStack`), as the engine sends them.

One stack's failure is that stack's alone: a program error, a config the pack refuses or a pack crash
comes back as a `PreviewFailure` and the worker goes on (with a new pack process after a crash); a worker
process that dies costs only the stack it was previewing, and a new worker takes its place.

Memory stays bounded per worker, whatever the number of stacks. Each stack's objects are released before
the next stack starts, in the worker and in its program interpreter (toms/offline/harness.py). What a
long-lived process still accumulates (caches of the libraries a program uses, keyed by the program's
classes, which are made anew each run; the allocator's fragmentation) is bounded by recycling, as
`maxtasksperchild` does for a process pool: after `RECYCLE_AFTER_STACKS` stacks, or once the pack process or
the program interpreter has grown by `RECYCLE_GROWTH_MIB` since its first stack, the worker closes both and
the next stack starts fresh ones. The parent keeps no stack's full result (toms/preview/outputs.py).
`make bench` prints the peak of the largest worker tree and of the parent for each fleet size.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import TypeVar

from toms import interruption
from toms.offline.analyzer_client import PolicyPackProcess
from toms.offline.program_process import ProgramServer
from toms.offline.records import ProgramError, aws_place
from toms.preview.model import PreviewError, PreviewFailure, PreviewOutcome, PreviewTarget
from toms.preview.run import preview
from toms.preview.targets import program_failure
from toms.project import ProjectFileError, project_root, read_project, select_project

Kept = TypeVar("Kept")

# How long a worker may take to stop after it was told to (it closes its pack process first).
WORKER_STOP_SECONDS = 10.0
# A worker's pack process and program interpreter are replaced after this many stacks. Starting both again
# costs about one one-stack preview (mostly their start), paid once per 50 stacks, against a stack's quarter
# of one; meanwhile the program interpreter, the only one that grows, gains about 0.35 MiB a stack.
RECYCLE_AFTER_STACKS = 50
# ... or sooner, once either has grown this much since its first stack (a program that keeps more per run).
RECYCLE_GROWTH_MIB = 64.0


def default_jobs() -> int:
    return os.cpu_count() or 1


# --- the worker -----------------------------------------------------------------------------------------


def _stop_on_terminate(_signal: int, _frame: FrameType | None) -> None:
    # Unwinds to the worker's `finally`, which stops its pack process.
    raise SystemExit(128 + signal.SIGTERM)


def resident_mib(pid: int | None) -> float | None:
    """A running process's resident memory; None when it is not running or the system does not say
    (no /proc: then only the number of stacks recycles a worker's processes)."""
    if pid is None:
        return None
    try:
        with Path(f"/proc/{pid}/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


@dataclass(frozen=True)
class Recycling:
    """When a worker replaces its pack process and program interpreter (see the module docstring)."""

    after_stacks: int = RECYCLE_AFTER_STACKS
    growth_mib: float = RECYCLE_GROWTH_MIB


@dataclass
class _WorkerState:
    """What a worker keeps between its stacks: one pack process and one program interpreter, each with
    the resident memory it had after its first stack, replaced as `recycling` says."""

    pack_dir: Path
    recycling: Recycling = field(default_factory=Recycling)
    pack: PolicyPackProcess | None = None
    programs: ProgramServer | None = None
    # Stacks previewed since the pack process and program interpreter were last replaced.
    served: int = 0
    # pid -> resident MiB after that process's first stack.
    first_size: dict[int, float] = field(default_factory=dict)

    def for_target(self, target: PreviewTarget) -> tuple[PolicyPackProcess, ProgramServer]:
        project = read_project(target.program_dir)
        if self.pack is not None and not self.pack.running:
            self.pack.close()  # it crashed with the last stack; that stack was reported
            self.pack = None
        if self.pack is None:
            self.pack = PolicyPackProcess(
                self.pack_dir,
                dry_run=True,
                project=project.name,
                stack=target.stack,
                stack_config=target.config,
            )
        if self.programs is None or self.programs.project != project:
            self.close_programs()
            self.programs = ProgramServer(project)
        return self.pack, self.programs

    def close_programs(self) -> None:
        if self.programs is not None:
            self.programs.close()
            self.programs = None

    def close(self) -> None:
        self.close_programs()
        if self.pack is not None:
            self.pack.close()
            self.pack = None

    def after_stack(self) -> None:
        """Count the stack; replace the pack process and program interpreter when they are due."""
        self.served += 1
        if self.served >= self.recycling.after_stacks or self._grown():
            self.close()
            self.served = 0
            self.first_size.clear()

    def _grown(self) -> bool:
        pids = [
            self.pack.pid if self.pack is not None else None,
            self.programs.pid if self.programs is not None else None,
        ]
        for pid in pids:
            size = resident_mib(pid)
            if pid is None or size is None:
                continue
            first = self.first_size.setdefault(pid, size)
            if size - first >= self.recycling.growth_mib:
                return True
        return False


def _preview_one(target: PreviewTarget, state: _WorkerState) -> PreviewOutcome:
    try:
        pack, programs = state.for_target(target)
        try:
            run = programs.start(
                target.stack,
                target.config,
                aws_place(target.config),
                invoke_answers=target.invoke_answers,
                stack_references=target.stack_references,
            )
        except ProgramError as error:
            raise program_failure(target, error) from None
        return preview(target, state.pack_dir, run, pack=pack)
    except (PreviewError, ProgramError, ProjectFileError) as error:
        return PreviewFailure(target.stack, target.program_dir, str(error))
    except Exception as error:  # a fault of the tool: reported for this stack, the others go on
        message = f"toms failed on this stack: {type(error).__name__}: {error}"
        return PreviewFailure(target.stack, target.program_dir, message)


def _worker(connection: Connection, pack_dir: Path, project: Path, recycling: Recycling) -> None:
    """Preview the stacks the parent sends, one at a time, until it sends None."""
    select_project(project)  # the parent's project, found from its working directory or --project
    # A process group of its own, which its pack process joins: if this worker dies without closing its
    # pack (killed by the out-of-memory killer, say), the parent ends the group, leaving nothing behind.
    # Ctrl-C at a terminal reaches the parent alone, which stops the workers.
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    # The cyclic collector would walk the SDK's thousands of generated classes again and again during a
    # program run. Instead, one collection after each stack frees that stack's cycles, so memory stays
    # flat; after the first stack, what is left (modules and classes loaded for good) is frozen, so those
    # collections walk only what later stacks made (about 30 ms instead of 300 ms each).
    gc.disable()
    state = _WorkerState(pack_dir, recycling)
    previewed = 0
    try:
        while (target := connection.recv()) is not None:
            outcome = _preview_one(target, state)
            connection.send(outcome)
            del outcome
            state.after_stack()
            gc.collect()
            previewed += 1
            if previewed == 1:
                gc.freeze()
    except EOFError:
        pass  # the parent went away
    finally:
        state.close()


# --- the parent -----------------------------------------------------------------------------------------


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    # The index of the target it is previewing; None once it was told to stop.
    task: int | None = None


def _whole(_target: PreviewTarget, outcome: PreviewOutcome) -> PreviewOutcome:
    return outcome


def collect_previews(
    targets: Sequence[PreviewTarget],
    pack_dir: Path,
    jobs: int,
    *,
    keep: Callable[[PreviewTarget, PreviewOutcome], Kept] = _whole,  # type: ignore[assignment]
    recycling: Recycling | None = None,
) -> list[Kept]:
    """What `keep` makes of each target's outcome as it arrives, in the targets' order. By default that is
    the whole outcome: for a few stacks; for a fleet, keep something small (`toms report --all` keeps each
    client's index row, its report already written)."""
    kept: dict[int, Kept] = {}

    def arrived(index: int, outcome: PreviewOutcome) -> None:
        kept[index] = keep(targets[index], outcome)

    preview_stacks(targets, pack_dir, jobs, arrived, recycling)
    return [kept[index] for index in range(len(targets))]


def preview_stacks(
    targets: Sequence[PreviewTarget],
    pack_dir: Path,
    jobs: int,
    on_outcome: Callable[[int, PreviewOutcome], None],
    recycling: Recycling | None = None,
) -> None:
    """Each target's outcome to `on_outcome(index, outcome)` as it comes, in the order the workers finish;
    nothing of it is kept here."""
    context = multiprocessing.get_context("spawn")
    waiting = deque(range(len(targets)))
    workers: list[_Worker] = []
    recycling = recycling or Recycling()

    def start_worker() -> _Worker:
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_worker,
            args=(child_end, pack_dir, project_root(), recycling),
            name=f"toms-preview-{len(workers) + 1}",
            daemon=True,
        )
        with interruption.held():  # a signal that ends toms stops every worker it started
            process.start()
            worker = _Worker(process, parent_end)
            workers.append(worker)
        child_end.close()
        return worker

    def give_work(worker: _Worker) -> None:
        worker.task = waiting.popleft() if waiting else None
        worker.connection.send(targets[worker.task] if worker.task is not None else None)

    # Each worker closes its pack and its program on SIGTERM; `_stop` waits for that.
    stop_on_interrupt = interruption.end_on_interrupt(lambda: _stop(workers, every=True))
    try:
        for _ in range(min(max(jobs, 1), len(targets))):
            give_work(start_worker())
        while busy := [worker for worker in workers if worker.task is not None]:
            wait([worker.connection for worker in busy] + [worker.process.sentinel for worker in busy])
            for worker in busy:
                assert worker.task is not None
                try:
                    if not worker.connection.poll():
                        if worker.process.is_alive():
                            continue
                        raise EOFError
                    outcome = worker.connection.recv()
                except (EOFError, OSError):
                    worker.process.join()
                    _end_group(worker.process)
                    on_outcome(worker.task, _died(targets[worker.task], worker.process.exitcode))
                    worker.task = None
                    if waiting:
                        give_work(start_worker())
                    continue
                # The worker goes on with its next stack while this one is shown and written.
                done = worker.task
                give_work(worker)
                on_outcome(done, outcome)
                del outcome
    finally:
        _stop(workers)
        interruption.forget(stop_on_interrupt)


def _died(target: PreviewTarget, exit_code: int | None) -> PreviewFailure:
    how = f"was killed by signal {-exit_code}" if exit_code is not None and exit_code < 0 else "exited"
    status = f" (exit status {exit_code})" if exit_code is not None and exit_code >= 0 else ""
    return PreviewFailure(
        target.stack,
        target.program_dir,
        f"the worker process previewing this stack {how}{status}; the other stacks went on",
    )


def _end_group(process: BaseProcess) -> None:
    """Kill what is left of a dead worker's process group (its pack process)."""
    if process.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _stop(workers: Sequence[_Worker], *, every: bool = False) -> None:
    """Terminate the busy workers (`every`: all of them), each closing its pack and program on SIGTERM,
    and wait for every worker (the idle ones were told to stop); kill any that take too long."""
    for worker in workers:
        if worker.process.is_alive() and (every or worker.task is not None):
            worker.process.terminate()
    for worker in workers:
        worker.process.join(WORKER_STOP_SECONDS)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
            _end_group(worker.process)
        worker.connection.close()
