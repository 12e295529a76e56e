"""`make bench`: speed figures, kept out of the test suite. Each section is a function in `BENCHES`.

A bench function prints its own figures; add a section by appending a function to `BENCHES`.
"""

from __future__ import annotations

import statistics
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


BENCHES: list[Callable[[], None]] = [bench_policy_pack]


def main() -> int:
    for bench in BENCHES:
        print(f"== {bench.__name__.removeprefix('bench_').replace('_', ' ')}")
        bench()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
