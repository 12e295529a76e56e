"""One stack's offline preview: what `pulumi preview --policy-pack policies` would decide, with no cloud
account.

The program runs under Pulumi's mock runtime in preview mode (values the cloud decides are unknown) while
the policy pack starts as its own process; each resource goes to the pack over the Analyzer protocol as the
program registers it, the way the engine sends it (`toms/preview/engine.py` says how, and what differs
offline), and the whole stack goes to `AnalyzeStack` once the program has finished.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc

from toms.offline.analyzer_client import (
    PolicyConfigError,
    PolicyPackError,
    PolicyPackProcess,
    ResourceInput,
    Verdict,
    reconcile_config,
)
from toms.offline.program_process import ProgramOutcome, ProgramProcess, ServedRun
from toms.offline.records import ProgramError, RegisteredResource
from toms.preview.engine import ResourcePlanner, resource_findings, stack_findings
from toms.preview.model import Finding, PolicyPackCrashed, PreviewError, PreviewTarget, StackPreview
from toms.preview.targets import (
    DEFAULT_PROGRAM_STACK,
    default_pack,
    load_policy_config,
    policy_config_dir,
    program_failure,
    program_target,
    read_invoke_answers,
    read_stack_references,
    repo_stacks,
    stack_target,
    start_program,
)

# What callers of the preview use, besides `preview`: where targets come from (toms/preview/targets.py).
__all__ = [
    "DEFAULT_PROGRAM_STACK",
    "default_pack",
    "load_policy_config",
    "policy_config_dir",
    "preview",
    "program_target",
    "read_invoke_answers",
    "read_stack_references",
    "repo_stacks",
    "stack_target",
    "start_program",
]

# Sent to the pack once before a preview, never reported: every resource policy that checks given types
# says it does not apply to this one, which tells the resource policies from the rest; and every stack
# policy that judges given types says it does not apply to a stack of only this one.
_PROBE = ResourceInput(type="toms:offline:Probe", name="probe", props={})
# --- the preview ----------------------------------------------------------------------------------------


def _pack_failure(pack: PolicyPackProcess, error: PolicyPackError) -> PreviewError:
    """A crash (the process died or the channel broke) or an error the pack answered with."""
    cause = error.__cause__
    broken = isinstance(cause, grpc.RpcError) and cause.code() in (
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.CANCELLED,
    )
    if broken or not pack.running:
        exit_code = pack.wait_for_exit()
        stderr = pack.stderr_text().strip()
        status = f" (exit status {exit_code})" if exit_code is not None else ""
        detail = f"\n{stderr}" if stderr else ""
        return PolicyPackCrashed(f"policy pack crashed{status}: {error}{detail}")
    return PreviewError(f"policy pack {pack.pack_dir} failed: {error}")


class _Judge:
    """The pack's side of a preview, on a thread of its own: start the pack, configure it, then send each
    resource to `Analyze` as the program registers it. The pack judges in its own process, on the other
    core, while the program goes on, so the verdict comes soon after the program ends."""

    def __init__(
        self,
        target: PreviewTarget,
        pack: PolicyPackProcess,
        policy_config: Mapping[str, Any],
        planner: ResourcePlanner,
        started: float,
    ) -> None:
        self.target = target
        self.pack = pack
        self.policy_config = policy_config
        self.planner = planner
        self.started = started
        self.arrivals: queue.SimpleQueue[RegisteredResource | None] = queue.SimpleQueue()
        self.timings: dict[str, float] = {}
        self.start_error: PolicyPackError | None = None
        # What stopped the judging: the pack failing, a policy config it refuses, or a fault of our own,
        # raised again on the caller's thread.
        self.error: Exception | None = None
        self.levels: dict[str, str] = {}
        self.verdicts: list[Verdict] = []
        # The resource policies of the pack: those that say they do not apply to a type no rule checks.
        self.resource_policies: frozenset[str] = frozenset()
        # The stack policies that judge given types: those that do not apply to a stack of only that type.
        self.typed_stack_policies: frozenset[str] = frozenset()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._judge, name="policy-pack-judge", daemon=True)

    def begin(self) -> None:
        self._thread.start()

    def finish(self, *, program_failed: bool) -> None:
        """No more registrations: judge what is left (or nothing, when the program failed) and wait."""
        if program_failed:
            self._stopping.set()
        self.arrivals.put(None)
        self._thread.join()

    def _judge(self) -> None:
        try:
            if self.pack.running:
                self.pack.configure_stack(self.target.stack, self.target.config)
            else:
                self.pack.start()
        except PolicyPackError as error:
            self.start_error = error
            return
        finally:
            self.timings["pack_start"] = time.perf_counter() - self.started
        try:
            info = self.pack.info()
            known = {policy.name for policy in info.policies} | {"all"}
            unknown = sorted(name for name in self.policy_config if name not in known)
            if unknown:
                source = self.target.policy_config_file
                raise PreviewError(f"{source}: {', '.join(unknown)}: no such policy in pack {info.name}")
            try:
                reconciled = reconcile_config(info, self.policy_config)
                self.pack.configure(self.policy_config)
            except PolicyConfigError as error:
                where = self.target.policy_config_file or "policy pack config"
                raise PreviewError(f"{where}: {error}") from None
            self.levels = {name: level for name, (level, _) in reconciled.items()}
            self.resource_policies = self.pack.analyze_verdict(_PROBE).not_applicable
            self.typed_stack_policies = self.pack.analyze_stack_verdict([_PROBE]).not_applicable
            self.verdicts = self.pack.analyze_verdicts(self._planned_as_registered())
        except Exception as error:  # every failure, ours included, is raised again on the caller's thread
            self.error = error

    def _planned_as_registered(self) -> Iterator[ResourceInput]:
        sent = 0
        while not self._stopping.is_set():
            planned = self.planner.planned
            while sent < len(planned):
                yield planned[sent].analyzed
                sent += 1
            registration = self.arrivals.get()
            if registration is None:
                return
            self.planner.add(registration)


def preview(
    target: PreviewTarget,
    pack_dir: Path | None = None,
    program: ProgramProcess | ServedRun | None = None,
    *,
    pack: PolicyPackProcess | None = None,
) -> StackPreview:
    """Run the program (in its own interpreter; `program` when already started) and the pack side by side
    and collect the pack's verdict on every resource (with the project's own pack unless `pack_dir` names
    another).

    Without `pack`, the preview starts the pack and stops it at the end. A worker of `preview --all`
    passes its own `pack` for `pack_dir` instead: started for this stack when it is not running, else
    handed this stack and its config; it is left running for the worker's next stack (and `program` is a
    run of the worker's program interpreter, `ProgramServer`).
    """
    pack_dir = pack_dir or default_pack()
    if program is None:
        program = start_program(target)
    try:
        return _preview_with(target, pack_dir, program, pack)
    finally:
        program.close()


def _preview_with(
    target: PreviewTarget,
    pack_dir: Path,
    program: ProgramProcess | ServedRun,
    given_pack: PolicyPackProcess | None,
) -> StackPreview:
    policy_config = load_policy_config(target.policy_config_file)
    project = program.project.name
    pack = given_pack or PolicyPackProcess(
        pack_dir, dry_run=True, project=project, stack=target.stack, stack_config=target.config
    )
    started = time.perf_counter()
    judge = _Judge(
        target, pack, policy_config, ResourcePlanner(project, target.stack, target.config), started
    )
    timings = judge.timings
    judge.begin()
    try:
        program_failed = True
        try:
            outcome = program.collect(on_register=judge.arrivals.put)
            program_failed = False
        except ProgramError as error:
            raise program_failure(target, error) from None
        finally:
            program_ended = time.perf_counter()
            timings["program"] = program_ended - started
            judge.finish(program_failed=program_failed)
        timings["analyze"] = time.perf_counter() - program_ended
        if judge.start_error is not None:
            message = str(judge.start_error)
            if "is not a policy pack" in message:
                raise PreviewError(f"--policy-pack: {message}")
            raise PolicyPackCrashed(f"policy pack crashed while starting: {message}")
        if isinstance(judge.error, PolicyPackError):
            raise _pack_failure(pack, judge.error)
        if judge.error is not None:
            raise judge.error
        return _verdict(target, project, pack, judge, outcome)
    finally:
        if given_pack is None:
            pack.close()


def _verdict(
    target: PreviewTarget, project: str, pack: PolicyPackProcess, judge: _Judge, outcome: ProgramOutcome
) -> StackPreview:
    """Every resource's findings, then `AnalyzeStack`'s over the whole stack."""
    resources = judge.planner.planned
    findings: list[Finding] = []
    # Custom resources no resource policy judged, by type: a stack policy may still judge their type.
    unjudged: dict[str, list[str]] = {}
    for resource, verdict in zip(resources, judge.verdicts, strict=True):
        findings += resource_findings(resource, verdict.diagnostics)
        if resource.custom and judge.resource_policies <= verdict.not_applicable:
            unjudged.setdefault(resource.type, []).append(resource.urn)
    began = time.perf_counter()
    try:
        stack_diagnostics = pack.analyze_stack([resource.stack_input() for resource in resources])
        judged_by_stack_policies = {
            type_token for type_token in unjudged if _stack_policies_judge(pack, judge, type_token)
        }
    except PolicyPackError as error:
        raise _pack_failure(pack, error) from None
    findings += stack_findings(resources, stack_diagnostics)
    judge.timings["analyze_stack"] = time.perf_counter() - began
    return StackPreview(
        target=target,
        project=project,
        pack=pack.info(),
        levels=judge.levels,
        resources=tuple(resources),
        findings=tuple(findings),
        timings=judge.timings,
        interpreter=outcome.interpreter.describe(),
        invokes=outcome.invokes,
        reads=outcome.reads,
        unjudged=frozenset(
            urn
            for type_token, urns in unjudged.items()
            if type_token not in judged_by_stack_policies
            for urn in urns
        ),
    )


def _stack_policies_judge(pack: PolicyPackProcess, judge: _Judge, type_token: str) -> bool:
    """Whether a stack policy judges `type_token`: one that does not apply to a stack of only the probe
    applies to a stack of only a resource of that type (what it finds there is not reported)."""
    probe = ResourceInput(type=type_token, name="probe", props={})
    return bool(judge.typed_stack_policies - pack.analyze_stack_verdict([probe]).not_applicable)
