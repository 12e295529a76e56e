"""The fleet scale bench: N generated client stacks in a temporary copy of the project, previewed with
`toms preview --all --jobs J`, with the wall time and the peak memory of the whole process tree.

Generated clients are valid and distinct, like a real fleet: each takes one of the example stacks as its
shape (service size, archive mode, database), with its own name, account, region and retention, and a
pack config narrowed to that retention the way the examples' are. Every generated stack file is checked
with the program's own config validation before anything is measured.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from components.config import RetentionConfig, parse_client_config
from policies.toms_pack import standards
from toms import deploy
from toms.project import flatten_stack_config

REPO = Path(__file__).resolve().parent.parent
# What the copy leaves out: virtualenvs, caches, git, and what no preview reads.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "tests", "docs"
)
# Commercial regions, those whose load balancers log as the region's ELB account and newer ones that log
# as the log delivery service, so both branches of the baseline are generated.
REGIONS = (
    "eu-west-1", "eu-central-1", "eu-north-1", "eu-west-2", "eu-west-3", "eu-south-1", "us-east-1",
    "us-east-2", "us-west-2", "ca-central-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1",
    "eu-central-2", "eu-south-2", "ap-southeast-4",
)  # fmt: skip
# Log retention within the pack's default bounds, in days CloudWatch Logs accepts.
LOG_DAYS = tuple(
    days
    for days in standards.CLOUDWATCH_RETENTION_DAYS
    if standards.LOG_RETENTION_DEFAULT_MIN_DAYS <= days <= standards.LOG_RETENTION_DEFAULT_MAX_DAYS
)
BACKUP_DAYS = tuple(
    range(standards.BACKUP_RETENTION_DEFAULT_MIN_DAYS, standards.BACKUP_RETENTION_MAX_DAYS + 1)
)
FIRST_ACCOUNT = 200000000000
# Pack config entries that carry the client's retention: policy -> the retention they narrow to.
RETENTION_POLICIES = {
    "log-group-retention": "log",
    "s3-archive-lifecycle": "archive",
    "s3-archive-object-lock": "archive",
    "rds-backup-retention": "backup",
}


class FleetError(Exception):
    """A generated stack the program's validation refuses: the generator is out of step with the config."""


@dataclass(frozen=True)
class GeneratedClient:
    name: str
    account: str
    region: str
    log_days: int
    backup_days: int


def client_name(index: int) -> str:
    return f"client-{index:04d}"


def _retention_for(index: int) -> tuple[int, int]:
    # Two co-prime strides so neighbouring clients differ in both, and no pair repeats for a long run.
    return LOG_DAYS[(index * 3) % len(LOG_DAYS)], BACKUP_DAYS[(index * 7) % len(BACKUP_DAYS)]


def _example_shapes(root: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each example stack's YAML config and pack config: the shapes generated clients take."""
    shapes = []
    for stack in deploy.client_stacks(root):
        document = yaml.safe_load((root / deploy.stack_file(stack)).read_text(encoding="utf-8"))
        pack_config = json.loads((root / deploy.pack_config_file(stack)).read_text(encoding="utf-8"))
        shapes.append((document["config"], pack_config))
    if not shapes:
        raise FleetError(f"{root / deploy.STACKS_DIR}: no example stack to shape generated clients on")
    return shapes


def _relocated(value: Any, old: tuple[str, str, str], new: tuple[str, str, str]) -> Any:
    """A config value with the example's client, account and region replaced by the generated one's."""
    if isinstance(value, dict):
        return {key: _relocated(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_relocated(item, old, new) for item in value]
    if isinstance(value, str):
        for before, after in zip(old, new, strict=True):
            value = value.replace(before, after)
    return value


def generate_client(
    index: int, shape: tuple[dict[str, Any], dict[str, Any]]
) -> tuple[GeneratedClient, dict[str, Any], dict[str, Any]]:
    """Client `index`: its stack file document and pack config, in the shape of one example."""
    example_config, example_pack_config = shape
    log_days, backup_days = _retention_for(index)
    client = GeneratedClient(
        name=client_name(index),
        account=f"{FIRST_ACCOUNT + index * 7919:012d}",
        region=REGIONS[index % len(REGIONS)],
        log_days=log_days,
        backup_days=backup_days,
    )
    example_certificate = example_config["toms:certificateArn"].split(":")
    old = (example_config["toms:client"], example_certificate[4], example_config["aws:region"])
    config = _relocated(example_config, old, (client.name, client.account, client.region))
    certificate_id = uuid.uuid5(uuid.NAMESPACE_URL, f"toms-bench/{client.name}")
    config["toms:certificateArn"] = (
        f"arn:aws:acm:{client.region}:{client.account}:certificate/{certificate_id}"
    )
    retention = dict(config["toms:retention"], logDays=log_days, backupDays=backup_days)
    if "archiveDays" in retention:
        retention["archiveDays"] = max(retention["archiveDays"], log_days)
    config["toms:retention"] = retention
    validated = RetentionConfig.model_validate(retention)
    days = {"log": log_days, "archive": validated.archive_retention_days, "backup": backup_days}
    pack_config = {
        policy: dict(
            settings, minDays=days[RETENTION_POLICIES[policy]], maxDays=days[RETENTION_POLICIES[policy]]
        )
        if policy in RETENTION_POLICIES
        else settings
        for policy, settings in example_pack_config.items()
    }
    return client, {"config": config}, pack_config


def generate_fleet(root: Path, count: int) -> list[GeneratedClient]:
    """Replace the stacks in the project copy at `root` with `count` generated clients, each validated."""
    shapes = _example_shapes(root)
    stacks_dir = root / deploy.STACKS_DIR
    config_dir = root / deploy.PACK_CONFIG_DIR
    for old_file in [*stacks_dir.glob("Pulumi.*.yaml"), *config_dir.glob("*.json")]:
        old_file.unlink()
    clients = []
    for index, shape in zip(range(count), itertools.cycle(shapes)):
        client, document, pack_config = generate_client(index, shape)
        stack_file = root / deploy.stack_file(client.name)
        stack_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        (root / deploy.pack_config_file(client.name)).write_text(
            json.dumps(pack_config, indent=2) + "\n", encoding="utf-8"
        )
        try:
            parse_client_config(flatten_stack_config(document["config"], str(stack_file)), str(stack_file))
        except Exception as error:
            raise FleetError(f"generated {stack_file} is not valid: {error}") from error
        clients.append(client)
    return clients


def copy_project(destination: Path) -> Path:
    """The program, the pack and the tools, without caches, tests or docs; the program's virtualenv
    (runtime.options.virtualenv, where `toms preview` runs the program) is linked, not copied."""
    shutil.copytree(REPO, destination, ignore=COPY_IGNORE)
    (destination / ".venv").symlink_to(Path(sys.prefix))
    return destination


# --- measuring a process tree ---------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """Every child of every thread of `pid` (a child started from a thread is listed under that thread)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(child) for child in (task / "children").read_text(encoding="ascii").split()]
        except OSError:
            continue
    return children


def _tree(pid: int) -> Iterator[int]:
    yield pid
    for child in _children(pid):
        yield from _tree(child)


def _proportional_kib(pid: int) -> int:
    """A process's proportional set size (its own pages, plus its share of pages it shares, e.g. with the
    processes it was forked from), so summing a tree counts shared pages once; its RSS when unreadable."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with Path(path).open(encoding="ascii") as lines:
                for line in lines:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


# How the processes of `toms preview --all` are told apart by their command lines (toms/preview/fleet.py
# spawns its workers with multiprocessing; a worker starts the pack and the program's interpreter).
WORKER_MARK = "multiprocessing.spawn"
PACK_MARK = "pulumi.policy"
PROGRAM_MARK = "_toms_offline"


class TreeMemory:
    """Samples the memory of a process and all its descendants until stopped; keeps the peak of the whole
    tree, of the root process alone (the parent of `preview --all`), of the largest worker tree (a worker
    with its pack process and program interpreter), and of the largest worker, pack and program
    interpreter process on their own."""

    # Often enough for a run of many seconds; reading every process's page tables costs the machine CPU.
    INTERVAL = 0.2

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self.root_peak_kib = 0
        self.worker_tree_peak_kib = 0
        # "worker", "pack", "program" -> the largest such process seen at any one time.
        self.process_peak_kib: dict[str, int] = {"worker": 0, "pack": 0, "program": 0}
        self._roles: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="tree-memory", daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _role(self, pid: int) -> str:
        if pid not in self._roles:
            command = _command_line(pid)
            marks = ((WORKER_MARK, "worker"), (PACK_MARK, "pack"), (PROGRAM_MARK, "program"))
            self._roles[pid] = next((role for mark, role in marks if mark in command), "other")
        return self._roles[pid]

    def sample(self) -> None:
        """One reading of every process of the tree."""
        readings = {pid: _proportional_kib(pid) for pid in _tree(self.pid)}
        for pid, kib in readings.items():
            role = self._role(pid) if pid != self.pid else "root"
            if role in self.process_peak_kib:
                self.process_peak_kib[role] = max(self.process_peak_kib[role], kib)
            if role == "worker":
                tree = sum(readings.get(member, 0) for member in _tree(pid))
                self.worker_tree_peak_kib = max(self.worker_tree_peak_kib, tree)
        self.peak_kib = max(self.peak_kib, sum(readings.values()))
        self.root_peak_kib = max(self.root_peak_kib, readings.get(self.pid, 0))

    def _sample(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            self.sample()


@dataclass(frozen=True)
class Measurement:
    seconds: float
    # The whole process tree's peak.
    peak_mib: float
    exit_code: int
    # The measured command's own process (the parent of `preview --all`).
    parent_peak_mib: float = 0.0
    # The largest worker with its pack process and program interpreter, at any one time.
    worker_tree_peak_mib: float = 0.0
    # "worker", "pack", "program" -> the largest such process on its own.
    process_peak_mib: dict[str, float] = field(default_factory=dict)


def measure(command: Sequence[str], cwd: Path) -> Measurement:
    """Run `command` in `cwd` with its output discarded; its wall time and its tree's peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with TreeMemory(process.pid) as memory:
        _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} failed (exit {process.returncode}): {stderr.strip()}")
    return Measurement(
        seconds,
        memory.peak_kib / 1024,
        process.returncode,
        parent_peak_mib=memory.root_peak_kib / 1024,
        worker_tree_peak_mib=memory.worker_tree_peak_kib / 1024,
        process_peak_mib={role: kib / 1024 for role, kib in memory.process_peak_kib.items()},
    )


def preview_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "toms", "preview", *args]


# --- the bench ------------------------------------------------------------------------------------------

FLEET_SIZES = (1, 25, 100, 200)
ONE_STACK_RUNS = 3
# The target for N = 200 at the core count: wall <= 0.5 x (N / cores) x one-stack time, and the
# whole process tree's peak memory under 1.5 GiB.
TARGET_RATIO = 0.5
TARGET_STACKS = 200
TARGET_PEAK_MIB = 1536


def _one_stack_seconds(root: Path) -> float:
    """`toms preview --stack <one generated client>` as a user runs it: best of a few, after a warm-up."""
    generate_fleet(root, 1)
    command = preview_command("--stack", client_name(0))
    measure(command, root)
    return min(measure(command, root).seconds for _ in range(ONE_STACK_RUNS))


def bench_fleet(sizes: Sequence[int] = FLEET_SIZES, cores: int | None = None) -> None:
    """The scale table: `preview --all --jobs J` over N generated stacks, J = 1 and the core count."""
    import os
    import tempfile

    cores = cores or os.cpu_count() or 1
    job_counts = sorted({1, cores})
    with tempfile.TemporaryDirectory(prefix="toms-fleet-bench-") as temporary:
        root = copy_project(Path(temporary) / "toms")
        print(
            f"measuring: `toms preview --all --jobs J` over N generated client stacks (N = "
            f"{', '.join(map(str, sizes))}; J = {' and '.join(map(str, job_counts))}; {cores} cores, load "
            f"average {os.getloadavg()[0]:.1f}), writing the merged --json and --sarif, in a copy of the "
            f"project at {root}",
            flush=True,
        )
        one_stack = _one_stack_seconds(root)
        # From measured runs: each row starts its workers (about two one-stack previews), then each stack
        # takes about a quarter of a one-stack preview with one job, a fifth with one job per core.
        total = sum(
            one_stack * (2 + size * (0.25 if jobs == 1 else 0.2)) for size in sizes for jobs in job_counts
        )
        print(
            f"one-stack preview: {one_stack:.2f} s; the table takes roughly {total / 60:.0f} min", flush=True
        )
        print(
            "peak MiB: the whole process tree; worker: the largest worker with its pack process and program "
            "interpreter; parent: the `toms preview` process (memory counted as PSS, shared pages once)"
        )
        print(
            f"{'N':>5} {'jobs':>4} {'wall s':>8} {'s/stack':>8} {'x (N/cores) x one':>18} {'peak MiB':>9} "
            f"{'worker MiB':>10} {'parent MiB':>10}"
        )
        reports = ("--json", str(root / "fleet.json"), "--sarif", str(root / "fleet.sarif"))
        results: list[Measurement] = []
        for size in sizes:
            generate_fleet(root, size)
            for jobs in job_counts:
                result = measure(preview_command("--all", "--jobs", str(jobs), *reports), root)
                results.append(result)
                ratio = result.seconds / (size / cores * one_stack)
                print(
                    f"{size:>5} {jobs:>4} {result.seconds:>8.1f} {result.seconds / size:>8.2f} "
                    f"{ratio:>18.2f} {result.peak_mib:>9.0f} {result.worker_tree_peak_mib:>10.0f} "
                    f"{result.parent_peak_mib:>10.0f}",
                    flush=True,
                )
                if size == TARGET_STACKS and jobs == cores:
                    met = ratio <= TARGET_RATIO and result.peak_mib < TARGET_PEAK_MIB
                    print(
                        f"target for N = {TARGET_STACKS} at {cores} jobs: <= {TARGET_RATIO} x (N / cores) x "
                        f"one-stack time and peak < {TARGET_PEAK_MIB} MiB: {'met' if met else 'MISSED'} "
                        f"({ratio:.2f}, {result.peak_mib:.0f} MiB)"
                    )
        print(_memory_across_sizes(sizes, results))


def _memory_across_sizes(sizes: Sequence[int], results: Sequence[Measurement]) -> str:
    """How the largest worker tree and the parent vary from the smallest fleet to the largest: flat when
    their memory does not depend on the number of stacks."""
    workers = [result.worker_tree_peak_mib for result in results]
    parents = [result.parent_peak_mib for result in results]
    return (
        f"per-process memory over N = {min(sizes)} to {max(sizes)}: largest worker tree "
        f"{min(workers):.0f}-{max(workers):.0f} MiB, parent {min(parents):.0f}-{max(parents):.0f} MiB"
    )
