"""`make bench`: speed figures, kept out of the test suite. Each section is a function in `BENCHES`.

A bench function prints its own figures; add a section by appending a function to `BENCHES`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from toms.analyzer_client import PolicyPackProcess, ResourceInput

REPO = Path(__file__).resolve().parent.parent
PACK_DIR = REPO / "policies"
ANALYZED_RESOURCES = 1000

_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"
_TAGS = {"client": "bench", "managed-by": "pulumi", "toms-version": "0.1.0"}
# A mix of the resource shapes the pack checks most, so the figure reflects a real stack.
_SAMPLES: tuple[tuple[str, dict[str, object]], ...] = (
    ("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 90, "kmsKeyId": _KEY_ARN, "tags": _TAGS}),
    ("aws:kms/key:Key", {"enableKeyRotation": True, "deletionWindowInDays": 30, "tags": _TAGS}),
    (
        "aws:rds/instance:Instance",
        {
            "engine": "postgres",
            "storageEncrypted": True,
            "kmsKeyId": _KEY_ARN,
            "multiAz": True,
            "backupRetentionPeriod": 14,
            "deletionProtection": True,
            "finalSnapshotIdentifier": "final",
            "iamDatabaseAuthenticationEnabled": True,
            "manageMasterUserPassword": True,
            "enabledCloudwatchLogsExports": ["postgresql"],
            "tags": _TAGS,
        },
    ),
    (
        "aws:ecs/service:Service",
        {
            "desiredCount": 2,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
            "deploymentMinimumHealthyPercent": 100,
            "networkConfiguration": {"assignPublicIp": False},
            "loadBalancers": [],
            "tags": _TAGS,
        },
    ),
    ("aws:ec2/subnet:Subnet", {"cidrBlock": "10.0.0.0/24", "tags": _TAGS}),
)


def bench_policy_pack() -> None:
    """The pack's start time (process start to a configured analyzer) and the median Analyze time."""
    started = time.perf_counter()
    with PolicyPackProcess(PACK_DIR, dry_run=True) as pack:
        pack.configure({})
        start_seconds = time.perf_counter() - started
        timings = []
        for index in range(ANALYZED_RESOURCES):
            resource_type, props = _SAMPLES[index % len(_SAMPLES)]
            resource = ResourceInput(resource_type, f"bench-{index}", props)
            before = time.perf_counter()
            pack.analyze(resource)
            timings.append(time.perf_counter() - before)
    print(f"policy pack start: {start_seconds * 1000:.0f} ms (start, GetAnalyzerInfo, Configure)")
    print(
        f"policy pack Analyze: median {statistics.median(timings) * 1000:.2f} ms per resource over "
        f"{ANALYZED_RESOURCES} resources (p95 {statistics.quantiles(timings, n=20)[-1] * 1000:.2f} ms)"
    )


PREVIEW_RUNS = 3
SERVICES_PROGRAM = REPO / "toms" / "bench_programs" / "services"


def _preview_wall_seconds(*args: str) -> float:
    """The best of PREVIEW_RUNS wall times of `python -m toms preview ...`, start to verdict (exit code)."""
    best = float("inf")
    for _ in range(PREVIEW_RUNS):
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "toms", "preview", *args],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        if completed.returncode == 2:
            raise RuntimeError(f"toms preview {' '.join(args)} failed: {completed.stderr}")
        best = min(best, elapsed)
    return best


def bench_preview_stacks() -> None:
    """`toms preview --stack` for each example stack and `--all`, as a user runs it (a new process)."""
    from toms import preview

    stacks = preview.repo_stacks()
    for stack in stacks:
        seconds = _preview_wall_seconds("--stack", stack)
        print(f"preview --stack {stack}: {seconds:.2f} s (best of {PREVIEW_RUNS})")
    seconds = _preview_wall_seconds("--all")
    print(f"preview --all ({len(stacks)} stacks): {seconds:.2f} s (best of {PREVIEW_RUNS})")
    result = preview.preview(preview.stack_target(stacks[0]))
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    print(
        f"  where the time goes for {stacks[0]} ({len(result.resources)} resources, in one process): {parts}"
    )


def bench_preview_growth() -> None:
    """The same synthetic program with 1, 10 and 50 services: wall time and the analyzer round trip."""
    from toms import preview

    for services in (1, 10, 50):
        wall = _preview_wall_seconds("--program", str(SERVICES_PROGRAM), "--config", f"services={services}")
        target = preview.program_target(SERVICES_PROGRAM, None, [f"services={services}"], None, None)
        result = preview.preview(target)
        count = len(result.resources)
        round_trip = result.timings["analyze"] + result.timings["analyze_stack"]
        print(
            f"{services:>2} services, {count:>3} resources: {wall:.2f} s wall; program "
            f"{result.timings['program']:.2f} s; Analyze + AnalyzeStack {round_trip * 1000:.0f} ms = "
            f"{round_trip / count * 1000:.2f} ms per resource"
        )


BENCHES: list[Callable[[], None]] = [bench_policy_pack, bench_preview_stacks, bench_preview_growth]


def main() -> int:
    for bench in BENCHES:
        print(f"== {bench.__name__.removeprefix('bench_').replace('_', ' ')}")
        bench()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
