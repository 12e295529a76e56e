"""One stack's offline preview: what `pulumi preview --policy-pack policies` would decide, with no cloud
account.

The program runs under Pulumi's mock runtime in preview mode (values the cloud decides are unknown) while
the policy pack starts as its own process; each resource goes to the pack over the Analyzer protocol as the
program registers it, the way the engine sends it (`toms/preview/engine.py` says how, and what differs
offline), and the whole stack goes to `AnalyzeStack` once the program has finished.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
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
from toms.offline.mock_runtime import ProgramError, RegisteredResource, aws_place
from toms.offline.program_process import ProgramOutcome, run_program_process
from toms.preview.engine import ResourcePlanner, resource_findings, stack_findings
from toms.preview.model import Finding, PolicyPackCrashed, PreviewError, PreviewTarget, StackPreview
from toms.project import ProjectFileError, project_root, read_project, read_stack_file, read_yaml, shown_path

# Sent to the pack once before a preview, never reported: every resource policy that checks given types
# says it does not apply to this one, which tells the resource policies from the rest.
_PROBE = ResourceInput(type="toms:offline:Probe", name="probe", props={})
# A message that begins with a file (`stacks/Pulumi.acme.yaml: `, `helpers.py:12: `).
NAMES_A_FILE = re.compile(r"^[^:\s]+\.(yaml|yml|py|json)(:\d+)?: ")
# The stack name a `--program` run gets when none is given.
DEFAULT_PROGRAM_STACK = "dev"


def default_pack() -> Path:
    """The project's own policy pack: `policies/` in the project root."""
    return project_root() / "policies"


def policy_config_dir() -> Path:
    """Where the project keeps each client's pack config, `<client>.json`."""
    return project_root() / "stacks" / "policy-config"


# --- targets ------------------------------------------------------------------------------------------


def parse_config_pairs(pairs: Sequence[str], project: str) -> dict[str, str]:
    """`--config KEY=VALUE` values; a key without a namespace belongs to the project, as with the CLI."""
    config: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise PreviewError(f"--config {pair!r}: expected KEY=VALUE, for example toms:client=acme")
        config[key if ":" in key else f"{project}:{key}"] = value
    return config


def stack_target(
    stack: str, policy_config_file: Path | None = None, *, default_policy_config: bool = True
) -> PreviewTarget:
    """A client stack of this repository, with its stack file and (when the pack is this repository's
    and no file is given) the client's policy config."""
    root = project_root()
    stack_file = read_project(root).stack_file(stack)
    if not stack_file.is_file():
        known = ", ".join(repo_stacks()) or "none"
        raise PreviewError(f"{shown_path(stack_file)}: no such stack file (stacks of this project: {known})")
    config = read_stack_file(stack_file)
    client_policy_config = policy_config_dir() / f"{stack}.json"
    if policy_config_file is None and default_policy_config:
        if not client_policy_config.is_file():
            shown = shown_path(client_policy_config)
            raise PreviewError(
                f"{shown}: does not exist: the policy pack has no configuration for {stack!r}, so it would "
                f"judge {stack!r} against the pack's defaults instead of that client's agreement "
                f"(`toms deploy` refuses it too). Write {shown} first."
            )
        policy_config_file = client_policy_config
    return PreviewTarget(root, stack, config, stack_file, policy_config_file)


def repo_stacks() -> list[str]:
    """Every stack in this project's stackConfigDir."""
    return read_project(project_root()).stack_names()


def program_target(
    program_dir: Path,
    stack: str | None,
    pairs: Sequence[str],
    config_file: Path | None,
    policy_config_file: Path | None,
    *,
    invoke_answers: Mapping[str, Mapping[str, Any]] | None = None,
    stack_references: Mapping[str, Mapping[str, Any]] | None = None,
) -> PreviewTarget:
    """Any Pulumi Python program: config from `--config-file`, else its own stack file when there is one,
    then `--config` pairs on top (which also stand in for the file's encrypted `secure:` values)."""
    if not program_dir.is_dir():
        raise PreviewError(f"--program {program_dir}: the folder does not exist")
    program_dir = program_dir.resolve()
    project = read_project(program_dir)
    stack = stack or DEFAULT_PROGRAM_STACK
    candidate = config_file or project.stack_file(stack)
    stack_file = candidate if config_file is not None or candidate.is_file() else None
    given = parse_config_pairs(pairs, project.name)
    config = read_stack_file(stack_file, given=given.keys()) if stack_file is not None else {}
    config.update(given)
    return PreviewTarget(
        program_dir,
        stack,
        config,
        stack_file,
        policy_config_file,
        invoke_answers=invoke_answers or {},
        stack_references=stack_references or {},
    )


def _read_mapping_file(path: Path, option: str, what: str) -> dict[str, dict[str, Any]]:
    """A YAML (or JSON) file of name -> mapping, for --invoke-answers and --stack-reference."""
    try:
        document = read_yaml(path, f"{option} {path}: no such file")
    except ProjectFileError as error:
        raise PreviewError(str(error)) from None
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise PreviewError(f"{path}: expected a mapping of {what}")
    entries: dict[str, dict[str, Any]] = {}
    for key, value in document.items():
        if not isinstance(key, str) or not isinstance(value, Mapping):
            raise PreviewError(f"{path}: {key}: expected a mapping of {what}")
        entries[key] = dict(value)
    return entries


def read_invoke_answers(path: Path) -> dict[str, dict[str, Any]]:
    """`--invoke-answers FILE`: provider function token (aws:ec2/getVpc:getVpc) -> its result."""
    answers = _read_mapping_file(path, "--invoke-answers", "provider function tokens to results")
    for token in answers:
        if token.count(":") != 2:
            raise PreviewError(
                f"{path}: {token}: expected a provider function token such as aws:ec2/getVpc:getVpc"
            )
    return answers


def read_stack_references(path: Path) -> dict[str, dict[str, Any]]:
    """`--stack-reference FILE`: stack name (org/project/stack) -> its outputs."""
    return _read_mapping_file(path, "--stack-reference", "stack names to their outputs")


def load_policy_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PreviewError(f"{path}: no such policy pack config file") from None
    except json.JSONDecodeError as error:
        raise PreviewError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PreviewError(f"{path}: expected a JSON object of policy names to levels or settings")
    return document


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


def preview(target: PreviewTarget, pack_dir: Path | None = None) -> StackPreview:
    """Run the program (in its own interpreter) and the pack side by side and collect the pack's verdict
    on every resource (with the project's own pack unless `pack_dir` names another)."""
    pack_dir = pack_dir or default_pack()
    policy_config = load_policy_config(target.policy_config_file)
    try:
        project_file = read_project(target.program_dir)
    except ProjectFileError as error:
        raise PreviewError(str(error)) from None
    project = project_file.name
    pack = PolicyPackProcess(
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
            outcome = run_program_process(
                project_file,
                target.stack,
                target.config,
                aws_place(target.config),
                on_register=judge.arrivals.put,
                invoke_answers=target.invoke_answers,
                stack_references=target.stack_references,
            )
            program_failed = False
        except ProgramError as error:
            message = str(error)
            # A message that starts with the file it is about (a project file, the program's own line) keeps
            # it; any other is about the stack's config and names the stack file.
            if target.stack_file is not None and not NAMES_A_FILE.match(message):
                message = f"{shown_path(target.stack_file)}: {message}"
            raise PreviewError(message) from None
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
        pack.close()


def _verdict(
    target: PreviewTarget, project: str, pack: PolicyPackProcess, judge: _Judge, outcome: ProgramOutcome
) -> StackPreview:
    """Every resource's findings, then `AnalyzeStack`'s over the whole stack."""
    resources = judge.planner.planned
    findings: list[Finding] = []
    unjudged: set[str] = set()
    for resource, verdict in zip(resources, judge.verdicts, strict=True):
        findings += resource_findings(resource, verdict.diagnostics)
        if resource.custom and judge.resource_policies <= verdict.not_applicable:
            unjudged.add(resource.urn)
    began = time.perf_counter()
    try:
        stack_diagnostics = pack.analyze_stack([resource.stack_input() for resource in resources])
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
        unjudged=frozenset(unjudged),
    )
