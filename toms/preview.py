"""`python -m toms preview`: what `pulumi preview --policy-pack policies` would decide, with no cloud account.

The program runs under Pulumi's mock runtime in preview mode (values the cloud decides are unknown) while
the policy pack starts as its own process; then every resource goes to the pack over the Analyzer
protocol as the engine sends it (`toms/preview_engine.py` says how, and what differs offline).

Exit codes: 0 when no finding is mandatory, 1 when one is, 2 for a usage, config or program error or a
policy pack that crashed.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from toms.analyzer_client import (
    AnalyzerInfo,
    PolicyConfigError,
    PolicyPackError,
    PolicyPackProcess,
    reconcile_config,
)
from toms.mock_run import ProgramError, read_project, read_stack_file, run_program, stack_names
from toms.preview_engine import Finding, PlannedResource, plan_resources, resource_findings, stack_findings

COMMAND = "preview"
HELP = "Preview a stack (or any Pulumi Python program) against the policy pack, offline."

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PACK = REPO / "policies"
POLICY_CONFIG_DIR = REPO / "stacks" / "policy-config"
# The stack name a `--program` run gets when none is given.
DEFAULT_PROGRAM_STACK = "dev"


class PreviewError(Exception):
    """A usage, config or program error: the message names the file and what is wrong (exit code 2)."""


class PolicyPackCrashed(PreviewError):
    """The pack process died or its connection broke."""


@dataclass(frozen=True)
class PreviewTarget:
    """One stack of one program to preview, with where its config and policy config come from."""

    program_dir: Path
    stack: str
    config: Mapping[str, str]
    stack_file: Path | None
    policy_config_file: Path | None


@dataclass(frozen=True)
class StackPreview:
    target: PreviewTarget
    project: str
    pack: AnalyzerInfo
    # Each policy's enforcement level once the policy config is applied.
    levels: Mapping[str, str]
    resources: tuple[PlannedResource, ...]
    findings: tuple[Finding, ...]
    timings: Mapping[str, float]

    def count(self, level: str) -> int:
        return sum(1 for finding in self.findings if finding.enforcement_level == level)

    @property
    def passed(self) -> bool:
        return self.count("mandatory") == 0


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
    _, config_dir = read_project(REPO)
    stack_file = config_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = ", ".join(repo_stacks()) or "none"
        raise PreviewError(f"{stack_file}: no such stack file (stacks of this project: {known})")
    client_policy_config = POLICY_CONFIG_DIR / f"{stack}.json"
    if policy_config_file is None and default_policy_config and client_policy_config.is_file():
        policy_config_file = client_policy_config
    return PreviewTarget(REPO, stack, read_stack_file(stack_file), stack_file, policy_config_file)


def repo_stacks() -> list[str]:
    """Every stack in this project's stackConfigDir."""
    _, config_dir = read_project(REPO)
    return stack_names(config_dir)


def program_target(
    program_dir: Path,
    stack: str | None,
    pairs: Sequence[str],
    config_file: Path | None,
    policy_config_file: Path | None,
) -> PreviewTarget:
    """Any Pulumi Python program: config from `--config-file`, else its own stack file when there is one,
    then `--config` pairs on top."""
    program_dir = program_dir.resolve()
    project, config_dir = read_project(program_dir)
    stack = stack or DEFAULT_PROGRAM_STACK
    candidate = config_file or config_dir / f"Pulumi.{stack}.yaml"
    stack_file = candidate if config_file is not None or candidate.is_file() else None
    config = read_stack_file(stack_file) if stack_file is not None else {}
    config.update(parse_config_pairs(pairs, project))
    return PreviewTarget(program_dir, stack, config, stack_file, policy_config_file)


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
        stderr = pack.stderr_text().strip()
        status = f" (exit status {pack.exit_code})" if pack.exit_code is not None else ""
        detail = f"\n{stderr}" if stderr else ""
        return PolicyPackCrashed(f"policy pack crashed{status}: {error}{detail}")
    return PreviewError(f"policy pack {pack.pack_dir} failed: {error}")


def preview(target: PreviewTarget, pack_dir: Path = DEFAULT_PACK) -> StackPreview:
    """Run the program and the pack side by side and collect the pack's verdict on every resource."""
    policy_config = load_policy_config(target.policy_config_file)
    project, _ = read_project(target.program_dir)
    pack = PolicyPackProcess(
        pack_dir, dry_run=True, project=project, stack=target.stack, stack_config=target.config
    )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    start_errors: list[PolicyPackError] = []

    def start_pack() -> None:
        try:
            pack.start()
        except PolicyPackError as error:
            start_errors.append(error)
        timings["pack_start"] = time.perf_counter() - started

    # The pack's interpreter starts while the program runs: the two take about as long as each other.
    starter = threading.Thread(target=start_pack, name="policy-pack-start", daemon=True)
    starter.start()
    try:
        try:
            run = run_program(target.program_dir, target.stack, target.config, preview=True)
        except ProgramError as error:
            message = str(error)
            if target.stack_file is not None and target.stack_file.name not in message:
                message = f"{target.stack_file}: {message}"
            raise PreviewError(message) from None
        finally:
            timings["program"] = time.perf_counter() - started
            starter.join()
        if start_errors:
            message = str(start_errors[0])
            if "is not a policy pack" in message:
                raise PreviewError(f"--policy-pack: {message}")
            raise PolicyPackCrashed(f"policy pack crashed while starting: {message}")
        return _analyze(
            target, project, pack, policy_config, run_resources=plan_resources(run), timings=timings
        )
    finally:
        pack.close()


def _analyze(
    target: PreviewTarget,
    project: str,
    pack: PolicyPackProcess,
    policy_config: Mapping[str, Any],
    *,
    run_resources: list[PlannedResource],
    timings: dict[str, float],
) -> StackPreview:
    try:
        info = pack.info()
        known = {policy.name for policy in info.policies} | {"all"}
        unknown = sorted(name for name in policy_config if name not in known)
        if unknown:
            raise PreviewError(
                f"{target.policy_config_file}: {', '.join(unknown)}: no such policy in pack {info.name}"
            )
        try:
            levels = {name: level for name, (level, _) in reconcile_config(info, policy_config).items()}
            pack.configure(policy_config)
        except PolicyConfigError as error:
            where = target.policy_config_file or "policy pack config"
            raise PreviewError(f"{where}: {error}") from None
        findings: list[Finding] = []
        began = time.perf_counter()
        for resource in run_resources:
            findings += resource_findings(resource, pack.analyze(resource.analyzed))
        timings["analyze"] = time.perf_counter() - began
        began = time.perf_counter()
        stack_diagnostics = pack.analyze_stack([resource.stack_input() for resource in run_resources])
        findings += stack_findings(run_resources, stack_diagnostics)
        timings["analyze_stack"] = time.perf_counter() - began
    except PolicyPackError as error:
        raise _pack_failure(pack, error) from None
    return StackPreview(
        target=target,
        project=project,
        pack=info,
        levels=levels,
        resources=tuple(run_resources),
        findings=tuple(findings),
        timings=timings,
    )


# --- the command ----------------------------------------------------------------------------------------


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
        default=DEFAULT_PACK,
        metavar="DIR",
        help="the policy pack (default: policies)",
    )
    parser.add_argument(
        "--policy-pack-config",
        type=Path,
        metavar="FILE",
        help="policy config as for `pulumi preview --policy-pack-config` "
        "(default for a client stack: stacks/policy-config/<client>.json when it exists)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write resources and findings as JSON")
    parser.add_argument("--sarif", type=Path, metavar="FILE", help="write the findings as SARIF 2.1.0")
    parser.add_argument("--no-color", action="store_true", help="no colour, even on a terminal")


def targets_from_args(args: argparse.Namespace) -> list[PreviewTarget]:
    if args.program is not None:
        return [
            program_target(args.program, args.stack, args.config, args.config_file, args.policy_pack_config)
        ]
    if args.config or args.config_file:
        raise PreviewError(
            "--config and --config-file go with --program; a client stack reads its stack file"
        )
    own_pack = args.policy_pack.resolve() == DEFAULT_PACK
    if args.all:
        if args.stack:
            raise PreviewError("--all previews every stack; leave out --stack")
        stacks = repo_stacks()
    elif args.stack:
        stacks = [args.stack]
    else:
        raise PreviewError("name a stack with --stack <client>, or use --all or --program DIR")
    return [stack_target(stack, args.policy_pack_config, default_policy_config=own_pack) for stack in stacks]


def run(args: argparse.Namespace) -> int:
    from toms import preview_output

    console = preview_output.make_console(no_color=args.no_color)
    try:
        targets = targets_from_args(args)
    except (PreviewError, ProgramError) as error:
        preview_output.print_error(console, str(error))
        return 2
    previews: list[StackPreview] = []
    failed = False
    for target in targets:
        try:
            result = preview(target, args.policy_pack)
        except PreviewError as error:
            failed = True
            preview_output.print_error(console, str(error), stack=target.stack)
            continue
        previews.append(result)
        preview_output.print_preview(console, result)
    if len(targets) > 1:
        preview_output.print_overall(console, previews, errors=len(targets) - len(previews))
    try:
        if args.json is not None:
            preview_output.write_json(args.json, previews)
        if args.sarif is not None:
            from toms import sarif

            sarif.write_sarif(args.sarif, previews)
    except OSError as error:
        preview_output.print_error(console, f"cannot write the report: {error}")
        return 2
    if failed:
        return 2
    return 0 if all(result.passed for result in previews) else 1
