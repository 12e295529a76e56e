"""`make bench`: speed figures, kept out of the test suite. Each section is a function in `BENCHES`.

A bench function prints its own figures; add a section by appending a function to `BENCHES`.
"""

from __future__ import annotations

import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from toms.offline.analyzer_client import PolicyPackProcess, ResourceInput

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
        resources = [
            ResourceInput(resource_type, f"bench-{index}", props)
            for index, (resource_type, props) in zip(range(ANALYZED_RESOURCES), itertools.cycle(_SAMPLES))
        ]
        timings = []
        for resource in resources:
            before = time.perf_counter()
            pack.analyze(resource)
            timings.append(time.perf_counter() - before)
        before = time.perf_counter()
        pack.analyze_each(resources)
        pipelined = (time.perf_counter() - before) / ANALYZED_RESOURCES
    print(f"policy pack start: {start_seconds * 1000:.0f} ms (start, GetAnalyzerInfo, Configure)")
    median, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[-1]
    print(
        f"policy pack Analyze, one call at a time: median {median * 1000:.2f} ms per resource over "
        f"{ANALYZED_RESOURCES} resources (p95 {p95 * 1000:.2f} ms)"
    )
    print(f"policy pack Analyze, calls in flight as in a preview: {pipelined * 1000:.2f} ms per resource")


# A pack with every rule registered twice (the second under `<name>-again`), to show the pack keeps its
# speed targets (start <= 400 ms, Analyze <= 2 ms per resource) when its policies double.
_DOUBLED_PACK_MAIN = """
import dataclasses
import sys

sys.path.insert(0, {policies!r})
from toms_pack.kit.server import serve
from toms_pack.pack import PACK_DESCRIPTION, PACK_NAME, all_rules, pack_version

rules = all_rules()
again = [dataclasses.replace(rule, name=f"{{rule.name}}-again") for rule in rules]
serve(PACK_NAME, pack_version(), PACK_DESCRIPTION, [*rules, *again])
"""


def _doubled_pack(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "PulumiPolicy.yaml").write_text((PACK_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    (folder / "__main__.py").write_text(_DOUBLED_PACK_MAIN.format(policies=str(PACK_DIR)), encoding="utf-8")
    return folder


def _example_stack_resources() -> list[ResourceInput]:
    """Every resource of every example stack, as `Analyze` receives it in their previews."""
    from toms.preview import run as preview

    return [
        resource.analyzed
        for stack in preview.repo_stacks()
        for resource in preview.preview(preview.stack_target(stack)).resources
    ]


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_policy_pack_on_example_stacks() -> None:
    """Pack start and the median Analyze per resource over the example stacks' resources, with the pack's
    policies and with twice as many (every rule registered a second time, in a bench-only pack).

    Wall times move with the machine's load (it is shared); the pack process's own CPU time, read when it
    has ended (`RUSAGE_CHILDREN`), does not, so both are printed.
    """
    import tempfile

    resources = _example_stack_resources()
    with tempfile.TemporaryDirectory() as scratch:
        for label, pack_dir in (("pack", PACK_DIR), ("pack x2", _doubled_pack(Path(scratch) / "doubled"))):
            starts, start_cpu, timings, policies = [], [], [], 0
            for _ in range(PREVIEW_RUNS):
                cpu_before, started = _children_cpu_seconds(), time.perf_counter()
                with PolicyPackProcess(pack_dir, dry_run=True) as pack:
                    pack.configure({})
                    starts.append(time.perf_counter() - started)
                    policies = len(pack.info().policies)
                start_cpu.append(_children_cpu_seconds() - cpu_before)
            cpu_before = _children_cpu_seconds()
            with PolicyPackProcess(pack_dir, dry_run=True) as pack:
                pack.configure({})
                for analyzed in resources:
                    before = time.perf_counter()
                    pack.analyze(analyzed)
                    timings.append(time.perf_counter() - before)
            analyze_cpu = (_children_cpu_seconds() - cpu_before - statistics.median(start_cpu)) / len(
                resources
            )
            start_wall = statistics.median(starts) * 1000
            print(
                f"{label} ({policies} policies): start median {start_wall:.0f} ms wall, "
                f"{statistics.median(start_cpu) * 1000:.0f} ms CPU (process to configured analyzer, "
                f"{PREVIEW_RUNS} starts); Analyze median {statistics.median(timings) * 1000:.2f} ms wall, "
                f"{analyze_cpu * 1000:.2f} ms pack CPU per resource over the {len(resources)} resources of "
                "the example stacks"
            )


PREVIEW_RUNS = 5
SERVICES_PROGRAM = REPO / "toms" / "bench_programs" / "services"


def _preview_times(*args: str) -> Timed:
    """`python -m toms preview ...` as a user runs it (a new process), PREVIEW_RUNS times after one run that
    is not counted (it fills the file cache, as any earlier run on the machine would have)."""
    command = [sys.executable, "-m", "toms", "preview", *args]
    return _interleaved({"preview": command}, PREVIEW_RUNS)["preview"]


def bench_preview_stacks() -> None:
    """`toms preview --stack` for each example stack and `--all`, as a user runs it (a new process)."""
    from toms.preview import run as preview

    stacks = preview.repo_stacks()
    for stack in stacks:
        print(f"preview --stack {stack}: {_preview_times('--stack', stack)}")
    print(f"preview --all ({len(stacks)} stacks): {_preview_times('--all')}")
    result = preview.preview(preview.stack_target(stacks[0]))
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items())
    print(
        f"  where the time goes for {stacks[0]} ({len(result.resources)} resources, in one process): {parts}"
    )


def bench_preview_growth() -> None:
    """The same synthetic program with 1, 10 and 50 services: wall time and the analyzer round trip."""
    from toms.preview import run as preview

    for services in (1, 10, 50):
        wall = _preview_times("--program", str(SERVICES_PROGRAM), "--config", f"services={services}")
        target = preview.program_target(SERVICES_PROGRAM, None, [f"services={services}"], None, None)
        result = preview.preview(target)
        count = len(result.resources)
        after_program = result.timings["analyze"] + result.timings["analyze_stack"]
        print(
            f"{services:>2} services, {count:>3} resources: {wall}; in one process: program "
            f"{result.timings['program']:.2f} s, verdict {after_program * 1000:.0f} ms after the program "
            f"(Analyze still in flight, then AnalyzeStack)"
        )


# Checkov, the reference scanner of the speed target, lives in a virtualenv of its own (never a project
# dependency): CHECKOV_VENV, else the one `make checkov` builds. The plan tool is the shared one beside the
# checkout (../shared), as for `make checkov`.
CHECKOV_VENV = Path(os.environ.get("CHECKOV_VENV", str(REPO / ".venv-checkov")))
SHARED_CHECKOV_PLAN = REPO.parent / "shared" / "tools" / "checkov-plan" / "checkov-plan"
CHECKOV_PLAN_TOOL = Path(os.environ.get("CHECKOV_PLAN_TOOL", str(SHARED_CHECKOV_PLAN)))
# The target of issue 16: one stack's offline preview in at most this share of Checkov's wall time.
CHECKOV_TARGET_RATIO = 0.4


@dataclass(frozen=True)
class Timed:
    """Wall and CPU seconds of one command line over several runs. CPU is the command's and its child
    processes' (user + system, `RUSAGE_CHILDREN`): unlike wall time it hardly moves when other work shares
    the machine, though it does not show what runs in parallel."""

    wall: tuple[float, ...]
    cpu: tuple[float, ...]

    def __str__(self) -> str:
        return (
            f"median {statistics.median(self.wall):.2f} s wall, {statistics.median(self.cpu):.2f} s CPU "
            f"(best {min(self.wall):.2f} s wall; {len(self.wall)} runs)"
        )


def _timed_run(command: list[str]) -> tuple[float, float]:
    """One run of `command`: wall and CPU seconds; a RuntimeError when it fails (exit codes 0 and 1 are
    verdicts)."""
    cpu_before, started = _children_cpu_seconds(), time.perf_counter()
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return wall, _children_cpu_seconds() - cpu_before


def _interleaved(commands: dict[str, list[str]], runs: int) -> dict[str, Timed]:
    """Each command `runs` times, taking turns (one run of each, then the next round), after one uncounted
    round that fills the file cache: load from other work then falls on every command alike."""
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, command in commands.items():
            wall, cpu = _timed_run(command)
            if round_number:
                walls[name].append(wall)
                cpus[name].append(cpu)
    return {name: Timed(tuple(walls[name]), tuple(cpus[name])) for name in commands}


def sdk_modules(resource_types: list[str]) -> list[str]:
    """The pulumi_aws modules a program's resources come from (aws:ec2/vpc:Vpc -> pulumi_aws.ec2)."""
    modules = set()
    for type_token in resource_types:
        package, module = type_token.split(":")[:2]
        if package == "aws":
            name = module.split("/")[0]
            modules.add("pulumi_aws" if name == "index" else f"pulumi_aws.{name}")
    return sorted(modules)


# Rounds of the preview, its floor and Checkov, taken in turns.
CHECKOV_ROUNDS = 7


def bench_against_floor_and_checkov() -> None:
    """One stack's preview next to its floor (a bare interpreter importing pulumi and the pulumi_aws
    modules the program uses) and, when Checkov is set up, next to Checkov on the same resources, run in
    turns; medians of wall and CPU time."""
    from toms.preview import run as preview

    stack = preview.repo_stacks()[0]
    result = preview.preview(preview.stack_target(stack))
    modules = sdk_modules([resource.type for resource in result.resources])
    commands = {
        "preview": [sys.executable, "-m", "toms", "preview", "--stack", stack],
        "floor": [sys.executable, "-c", "import pulumi, " + ", ".join(modules)],
    }
    checkov = CHECKOV_VENV / "bin" / "checkov"
    checkov_ready = checkov.exists() and CHECKOV_PLAN_TOOL.exists()
    with tempfile.TemporaryDirectory(prefix="toms-bench-") as scratch:
        if checkov_ready:
            plan = Path(scratch) / f"{stack}-plan.json"
            subprocess.run(
                [str(CHECKOV_PLAN_TOOL), stack, str(plan)],
                cwd=REPO, env={**os.environ, "PYTHON": sys.executable}, capture_output=True, check=True,
            )  # fmt: skip
            commands["checkov"] = [
                str(checkov), "-f", str(plan), "--framework", "terraform_plan", "--skip-download",
                "--compact", "--quiet",
            ]  # fmt: skip
        timed = _interleaved(commands, CHECKOV_ROUNDS)
    load = os.getloadavg()[0]
    preview_time, floor_time = timed["preview"], timed["floor"]
    print(f"preview --stack {stack} ({len(result.resources)} resources): {preview_time}")
    print(f"  floor (bare interpreter importing pulumi and {len(modules)} pulumi_aws modules): {floor_time}")
    ratio_to_floor = statistics.median(preview_time.wall) / statistics.median(floor_time.wall)
    print(f"  preview = floor x {ratio_to_floor:.1f} (median wall)")
    if not checkov_ready:
        print(f"  Checkov: not set up ({checkov} or {CHECKOV_PLAN_TOOL} missing; `make checkov` sets it up)")
        return
    checkov_time = timed["checkov"]
    wall_ratio = statistics.median(preview_time.wall) / statistics.median(checkov_time.wall)
    cpu_ratio = statistics.median(preview_time.cpu) / statistics.median(checkov_time.cpu)
    per_round = sorted(p / c for p, c in zip(preview_time.wall, checkov_time.wall, strict=True))
    verdict = "met" if wall_ratio <= CHECKOV_TARGET_RATIO else "NOT met"
    print(f"  Checkov 3.3.30 on the same resources as a Terraform plan: {checkov_time}")
    print(
        f"  preview = {wall_ratio:.2f}x Checkov in median wall time (target <= {CHECKOV_TARGET_RATIO}x: "
        f"{verdict}); per round {per_round[0]:.2f}x to {per_round[-1]:.2f}x; {cpu_ratio:.2f}x in median "
        f"CPU time; load average {load:.1f} at the end"
    )


def bench_fleet() -> None:
    """The scale table of `preview --all --jobs` over generated client stacks (toms/fleet_bench.py)."""
    from toms import fleet_bench

    fleet_bench.bench_fleet()


BENCHES: list[Callable[[], None]] = [
    bench_policy_pack,
    bench_policy_pack_on_example_stacks,
    bench_preview_stacks,
    bench_preview_growth,
    bench_against_floor_and_checkov,
    bench_fleet,
]
# Roughly how long each section takes on an idle 2-core machine (from `make bench` runs; each section
# prints what it took, so an estimate that drifts shows). tests/toms/test_bench.py keeps one per section.
ABOUT_SECONDS: dict[str, float] = {
    "bench_policy_pack": 5,
    # The example stacks previewed once, then 6 pack starts and ~300 Analyze calls, for 2 packs.
    "bench_policy_pack_on_example_stacks": 30,
    "bench_preview_stacks": 75,
    "bench_preview_growth": 60,
    # Eight rounds of a preview, a bare import and a Checkov scan of about 3 s, and the plan tool once.
    "bench_against_floor_and_checkov": 50,
    # 326 generated stacks previewed with one job and again with two: 718 s at a load average of 11, so
    # roughly half that on an idle machine.
    "bench_fleet": 420,
}


def section_name(bench: Callable[[], None]) -> str:
    return bench.__name__.removeprefix("bench_")


def _about(seconds: float) -> str:
    return f"about {seconds / 60:.0f} min" if seconds >= 90 else f"about {seconds:.0f} s"


def plan(benches: list[Callable[[], None]]) -> str:
    """What the bench is about to measure and roughly how long each part and the whole take."""
    total = _about(sum(ABOUT_SECONDS[bench.__name__] for bench in benches))
    lines = [
        f"toms.bench: {len(benches)} section{'s' if len(benches) != 1 else ''}, {total} in all on an idle "
        "2-core machine (longer when other work shares it); each figure is printed as it is measured."
    ]
    for bench in benches:
        what = (bench.__doc__ or "").strip().splitlines()[0]
        lines.append(f"  {section_name(bench)} ({_about(ABOUT_SECONDS[bench.__name__])}): {what}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Every section, or only those named (`python -m toms.bench fleet`)."""
    unknown = sorted(set(argv) - {section_name(bench) for bench in BENCHES})
    if unknown:
        known = ", ".join(section_name(bench) for bench in BENCHES)
        print(f"toms.bench: no section {', '.join(unknown)}; sections: {known}", file=sys.stderr)
        return 2
    chosen = [bench for bench in BENCHES if not argv or section_name(bench) in argv]
    print(plan(chosen), flush=True)
    for bench in chosen:
        name = section_name(bench).replace("_", " ")
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        bench()
        print(f"({name} took {time.perf_counter() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
