"""`toms preview --all` over worker processes: one broken stack among many is reported and the others
finish; a worker that dies costs only its stack; one pack process per worker judges exactly as a fresh one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.toms.preview.processes import owner_marker, pack_processes_in
from tests.toms.preview.test_preview import run_cli, validate_report, validate_sarif
from toms import deploy, fleet_bench
from toms.__main__ import main
from toms.preview import json_report
from toms.preview.fleet import Recycling, collect_previews, preview_stacks
from toms.preview.model import PreviewFailure, PreviewOutcome, PreviewTarget, StackPreview
from toms.preview.run import default_pack, preview, stack_target

GOOD = 2


@pytest.fixture(scope="module")
def broken_fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project with GOOD generated clients and three broken ones, each broken differently."""
    root = fleet_bench.copy_project(tmp_path_factory.mktemp("fleet") / "toms")
    clients = fleet_bench.generate_fleet(root, GOOD + 3)
    unreadable, misconfigured, unknown_policy = (client.name for client in clients[GOOD:])
    (root / deploy.stack_file(unreadable)).write_text("config:\n  toms:client: [unclosed\n")
    misconfigured_file = root / deploy.stack_file(misconfigured)
    misconfigured_file.write_text(
        misconfigured_file.read_text().replace("logDays:", "logDays: 0\n    oldLogDays:")
    )
    pack_config = root / deploy.pack_config_file(unknown_policy)
    pack_config.write_text(json.dumps({**json.loads(pack_config.read_text()), "no-such-policy": "mandatory"}))
    return root


@pytest.fixture(scope="module")
def broken_fleet_run(broken_fleet: Path) -> tuple[int, str, str, dict[str, object], dict[str, object]]:
    completed = run_cli(
        "--all", "--jobs", "2", "--json", "fleet.json", "--sarif", "fleet.sarif", cwd=broken_fleet
    )
    report = json.loads((broken_fleet / "fleet.json").read_text())
    log = json.loads((broken_fleet / "fleet.sarif").read_text())
    return completed.returncode, completed.stdout, completed.stderr, report, log


def test_one_broken_stack_among_many_is_reported_and_the_others_finish(
    broken_fleet_run: tuple[int, str, str, dict[str, object], dict[str, object]],
) -> None:
    code, stdout, stderr, report, _ = broken_fleet_run
    names = [fleet_bench.client_name(index) for index in range(GOOD + 3)]
    unreadable, misconfigured, unknown_policy = names[GOOD:]

    assert code == 2
    for good in names[:GOOD]:
        assert f"{good}: PASS" in stdout
    assert re.search(rf"preview of {unreadable} failed: .*Pulumi\.{unreadable}\.yaml.*(YAML|yaml)", stderr)
    assert re.search(
        rf"preview of {misconfigured} failed: .*Pulumi\.{misconfigured}\.yaml.*oldLogDays", stderr, re.S
    )
    assert re.search(rf"preview of {unknown_policy} failed: .*{unknown_policy}\.json: no-such-policy", stderr)
    assert (
        f"All stacks: {GOOD} passed, 0 with mandatory findings (0 in all), 0 incomplete (plugin components), "
        "3 could not be previewed" in stdout
    )
    for broken in names[GOOD:]:
        assert f"ERROR {broken}: " in stdout
    # Each stack's output in stack order, whichever worker finished first.
    assert [line.split(":")[0] for line in stdout.splitlines() if ": PASS - " in line] == names[:GOOD]

    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["verdict"] == "error"
    assert (summary["stacks"], summary["errors"]) == (GOOD + 3, 3)


def test_the_merged_json_holds_every_stack_and_never_reads_as_a_pass(
    broken_fleet_run: tuple[int, str, str, dict[str, object], dict[str, object]],
) -> None:
    _, _, _, report, _ = broken_fleet_run
    validate_report(report)
    previews = report["previews"]
    assert isinstance(previews, list)

    assert [preview["stack"] for preview in previews] == [fleet_bench.client_name(i) for i in range(GOOD + 3)]
    assert [preview["verdict"] for preview in previews] == ["pass"] * GOOD + ["error"] * 3
    assert all(preview["error"] for preview in previews[GOOD:])


def test_the_merged_sarif_has_one_run_per_stack_and_failed_runs_say_so(
    broken_fleet_run: tuple[int, str, str, dict[str, object], dict[str, object]],
) -> None:
    _, _, _, _, log = broken_fleet_run
    validate_sarif(log)
    runs = log["runs"]
    assert isinstance(runs, list)

    assert [run["automationDetails"]["id"] for run in runs] == [
        f"toms-preview/{fleet_bench.client_name(index)}/" for index in range(GOOD + 3)
    ]
    successful = [run["invocations"][0]["executionSuccessful"] for run in runs]
    assert successful == [True] * GOOD + [False] * 3
    for run in runs[GOOD:]:
        (notification,) = run["invocations"][0]["toolExecutionNotifications"]
        assert notification["level"] == "error" and notification["message"]["text"]
        assert run["results"] == []


# --- workers --------------------------------------------------------------------------------------------

# A program that registers nothing; on one stack it kills the worker that started it (as the machine's
# out-of-memory killer might), on another its own interpreter, on another it raises.
DYING_PROGRAM = """
import os
import signal
import pulumi

stack = pulumi.get_stack()
if stack == "kills-worker":
    os.kill(os.getppid(), signal.SIGKILL)
if stack == "exits":
    os._exit(3)
if stack == "raises":
    raise RuntimeError("the program's own bug")
pulumi.export("stack", stack)
"""


@pytest.fixture(scope="module")
def dying_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    program = tmp_path_factory.mktemp("dying")
    (program / "Pulumi.yaml").write_text("name: dying\nruntime: python\n")
    (program / "__main__.py").write_text(DYING_PROGRAM)
    return program


def test_a_worker_that_dies_costs_only_its_stack(
    dying_program: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spawned workers and their pack processes inherit this environment variable.
    marker = owner_marker()
    monkeypatch.setenv(*marker.split("=", 1))
    stacks = ["first", "kills-worker", "exits", "raises", "after", "last"]
    targets = [PreviewTarget(dying_program, stack, {}, None, None) for stack in stacks]
    arrived: dict[int, PreviewOutcome] = {}

    # One worker: its pack process is up (from "first") when the program kills the worker.
    preview_stacks(targets, default_pack(), jobs=1, on_outcome=arrived.__setitem__)

    assert sorted(arrived) == list(range(len(stacks)))
    by_stack = {stack: arrived[index] for index, stack in enumerate(stacks)}
    for stack in ("first", "after", "last"):
        outcome = by_stack[stack]
        assert isinstance(outcome, StackPreview) and outcome.passed, outcome
    # The killed worker's pack process went with it.
    assert pack_processes_in(default_pack(), marker) == []
    died = by_stack["kills-worker"]
    assert isinstance(died, PreviewFailure)
    assert died.message == (
        "the worker process previewing this stack was killed by signal 9; the other stacks went on"
    )
    exited = by_stack["exits"]
    assert isinstance(exited, PreviewFailure)
    assert "ended (exit status 3) before the program finished" in exited.message
    raised = by_stack["raises"]
    assert isinstance(raised, PreviewFailure)
    assert "RuntimeError: the program's own bug" in raised.message


# A program whose one component is named after the interpreter running it, and a pack whose one policy
# names the process judging: each stack's outcome says which program interpreter and pack process made it.
PID_PROGRAM = """
import os
import pulumi

pulumi.ComponentResource("test:index:Interpreter", f"interpreter-{os.getpid()}")
"""
PID_PACK = """
import os

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy


def name_the_process(args, report_violation):
    if args.resource_type == "test:index:Interpreter":
        report_violation(f"judged by pack process {os.getpid()}")


PolicyPack(
    name="pids",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        ResourceValidationPolicy(name="pack-pid", description="Names its process.", validate=name_the_process)
    ],
)
"""


@pytest.fixture(scope="module")
def pid_program(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    program = tmp_path_factory.mktemp("pids")
    (program / "Pulumi.yaml").write_text("name: pids\nruntime: python\n")
    (program / "__main__.py").write_text(PID_PROGRAM)
    pack = tmp_path_factory.mktemp("pid-pack")
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack / "__main__.py").write_text(PID_PACK)
    return program, pack


def the_processes_that_previewed(outcome: PreviewOutcome, stack: str) -> tuple[str, str]:
    """(program interpreter, pack process) of a stack's outcome, checked to be that stack's own."""
    assert isinstance(outcome, StackPreview), outcome
    assert outcome.target.stack == stack
    (component,) = [resource for resource in outcome.resources if resource.type == "test:index:Interpreter"]
    assert component.urn.startswith(f"urn:pulumi:{stack}::pids::")
    (finding,) = outcome.findings
    assert (finding.urn, finding.enforcement_level) == (component.urn, "advisory")
    return component.name.removeprefix("interpreter-"), finding.message.split()[-1]


@pytest.mark.parametrize(
    ("recycling", "generations"),
    [
        # After every second stack: the count bounds what a worker's processes accumulate.
        (Recycling(after_stacks=2, growth_mib=float("inf")), [0, 0, 1, 1, 2]),
        # Any growth since a process's first stack: the bound on memory (read from /proc, as on CI).
        (Recycling(after_stacks=100, growth_mib=0.0), [0, 1, 2, 3, 4]),
        # Neither due: one pack process and one program interpreter serve every stack.
        (Recycling(after_stacks=100, growth_mib=float("inf")), [0, 0, 0, 0, 0]),
    ],
    ids=["after-stacks", "growth", "never"],
)
def test_a_worker_replaces_its_pack_and_program_interpreter_when_due_and_stays_correct(
    pid_program: tuple[Path, Path], recycling: Recycling, generations: list[int]
) -> None:
    program, pack = pid_program
    stacks = [f"stack-{index}" for index in range(len(generations))]
    targets = [PreviewTarget(program, stack, {}, None, None) for stack in stacks]

    outcomes = collect_previews(targets, pack, jobs=1, recycling=recycling)

    processes = [
        the_processes_that_previewed(outcome, stack) for outcome, stack in zip(outcomes, stacks, strict=True)
    ]
    interpreters, packs = zip(*processes, strict=True)
    # The same process for the stacks of one generation, a new one for each generation.
    for pids in (interpreters, packs):
        first_of = {generation: pids[generations.index(generation)] for generation in generations}
        assert list(pids) == [first_of[generation] for generation in generations]
        assert len(set(first_of.values())) == len(first_of)
    # Every replaced process was ended with its generation.
    for pid in {*interpreters, *packs}:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def in_urn_order(document: dict[str, Any]) -> dict[str, Any]:
    """A preview document without the order the program happened to register its resources (and their
    dependencies) in."""
    resources = [
        {**resource, "dependencies": sorted(resource["dependencies"])} for resource in document["resources"]
    ]
    return {
        **document,
        "resources": sorted(resources, key=lambda resource: resource["urn"]),
        "findings": sorted(document["findings"], key=lambda finding: (finding["urn"], finding["policy"])),
    }


def test_one_pack_process_judges_each_stack_in_turn_as_a_fresh_one_would(tmp_path: Path) -> None:
    # One worker, so one pack process judges acme, then globex (other retention, replicas and TLS policy
    # in its pack config), then acme again under a pack config its retention violates: a pack process
    # that kept an earlier stack's config would pass the last one.
    stricter = tmp_path / "stricter.json"
    stricter.write_text(json.dumps({"log-group-retention": {"minDays": 365, "maxDays": 365}}))
    acme, globex = stack_target("acme"), stack_target("globex")
    acme_stricter = PreviewTarget(acme.program_dir, "acme", acme.config, acme.stack_file, stricter)

    outcomes = collect_previews([acme, globex, acme_stricter], default_pack(), jobs=1)

    for target, outcome in zip((acme, globex), outcomes, strict=False):
        assert isinstance(outcome, StackPreview), outcome
        alone = preview(stack_target(target.stack))  # the same stack previewed alone, with a pack of its own
        assert in_urn_order(json_report.preview_document(outcome)) == in_urn_order(
            json_report.preview_document(alone)
        )
        assert outcome.levels == alone.levels
    last = outcomes[2]
    assert isinstance(last, StackPreview) and not last.passed
    assert {finding.policy for finding in last.findings if finding.mandatory} == {"log-group-retention"}


def test_the_pack_reads_no_stack_from_its_environment() -> None:
    # One pack process serves a worker's stacks in turn, told each stack by ConfigureStack (its phase and
    # stack tags come from there). Its process environment keeps the first stack's PULUMI_STACK,
    # PULUMI_PROJECT and PULUMI_CONFIG, and the policy SDK copies them into `pulumi.runtime`'s settings
    # before each Analyze, so no policy may read the stack, project or config from either place.
    pack_sources = [path for path in (REPO / "policies").rglob("*.py") if "venv" not in path.parts]
    assert pack_sources
    readers = re.compile(
        r"get_stack\(|get_project\(|get_organization\(|pulumi\.Config\(|runtime\.get_config|"
        r"runtime\.settings|PULUMI_STACK|PULUMI_CONFIG|PULUMI_PROJECT|PULUMI_ORGANIZATION"
    )

    assert [str(path) for path in pack_sources if readers.search(path.read_text(encoding="utf-8"))] == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--stack", "acme", "--jobs", "2"], "--jobs goes with --all"),
        (["--all", "--jobs", "0"], "'0': expected a whole number of at least 1"),
        (["--all", "--jobs", "many"], "'many': expected a whole number of at least 1"),
    ],
)
def test_jobs_is_refused_without_all_or_below_one(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["preview", *arguments])
    except SystemExit as exit_:  # argparse refuses a bad value itself
        code = int(str(exit_.code))

    assert code == 2
    assert message in capsys.readouterr().err
