"""The scale bench's generated fleet: valid, distinct clients that preview like real ones; and the memory
figure counts the whole process tree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from components.config import parse_client_config
from toms import deploy, fleet_bench
from toms.preview.model import PreviewTarget
from toms.preview.run import preview
from toms.project import flatten_stack_config, read_stack_file

FLEET = 40


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fleet_bench.copy_project(tmp_path_factory.mktemp("fleet") / "toms")


@pytest.fixture(scope="module")
def fleet(project_copy: Path) -> list[fleet_bench.GeneratedClient]:
    return fleet_bench.generate_fleet(project_copy, FLEET)


def test_the_copy_holds_the_program_pack_and_tools_without_virtualenvs(project_copy: Path) -> None:
    for needed in ("Pulumi.yaml", "__main__.py", "components", "policies/PulumiPolicy.yaml", "toms"):
        assert (project_copy / needed).exists(), needed
    # The program's virtualenv is this one, linked (toms preview runs the program there), never copied.
    assert (project_copy / ".venv").resolve() == Path(sys.prefix).resolve()
    assert not list(project_copy.rglob("__pycache__"))


def test_the_generated_fleet_replaces_the_examples_with_distinct_clients(
    project_copy: Path, fleet: list[fleet_bench.GeneratedClient]
) -> None:
    names = [client.name for client in fleet]

    assert deploy.client_stacks(project_copy) == sorted(names)
    assert len(set(names)) == len({client.account for client in fleet}) == FLEET
    assert len({client.region for client in fleet}) == len(fleet_bench.REGIONS)
    assert len({(client.log_days, client.backup_days) for client in fleet}) == FLEET
    assert len({client.log_days for client in fleet}) == len(fleet_bench.LOG_DAYS)


def test_each_generated_stack_is_valid_and_its_pack_config_narrows_to_its_retention(
    project_copy: Path, fleet: list[fleet_bench.GeneratedClient]
) -> None:
    for client in fleet:
        stack_file = project_copy / deploy.stack_file(client.name)
        document = yaml.safe_load(stack_file.read_text())
        config = parse_client_config(
            flatten_stack_config(document["config"], str(stack_file)), str(stack_file)
        )
        pack_config = json.loads((project_copy / deploy.pack_config_file(client.name)).read_text())

        assert (config.client, config.region, config.account_id) == (
            client.name,
            client.region,
            client.account,
        )
        assert (config.retention.log_days, config.retention.backup_days) == (
            client.log_days,
            client.backup_days,
        )
        assert pack_config["log-group-retention"] == {"minDays": client.log_days, "maxDays": client.log_days}
        assert pack_config["rds-backup-retention"] == {
            "minDays": client.backup_days,
            "maxDays": client.backup_days,
        }
        archive_days = config.retention.archive_retention_days
        assert pack_config["s3-archive-lifecycle"] == {"minDays": archive_days, "maxDays": archive_days}
        # Nothing of the example the client was shaped on is left.
        text = stack_file.read_text()
        assert not any(example in text for example in ("acme", "globex", "initech", "111122223333"))


def test_a_generated_client_previews_without_a_mandatory_finding(
    project_copy: Path, fleet: list[fleet_bench.GeneratedClient]
) -> None:
    client = fleet[13]  # globex's shape in eu-central-2, a region opened after August 2022
    stack_file = project_copy / deploy.stack_file(client.name)
    target = PreviewTarget(
        project_copy,
        client.name,
        read_stack_file(stack_file),
        stack_file,
        project_copy / deploy.pack_config_file(client.name),
    )

    result = preview(target, project_copy / "policies")

    assert result.passed, [
        finding.policy for finding in result.findings if finding.enforcement_level == "mandatory"
    ]


def test_the_memory_figure_sums_the_whole_process_tree() -> None:
    # A parent holding 60 MiB starts a child holding 80 MiB; both are alive at once.
    child = "import time; b = bytearray(80 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    parent = (
        "import subprocess, sys, time; a = bytearray(60 << 20); a[::4096] = b'x' * len(a[::4096]); "
        f"subprocess.run([sys.executable, '-c', {child!r}], check=True)"
    )

    result = fleet_bench.measure([sys.executable, "-c", parent], Path.cwd())

    assert result.exit_code == 0
    assert result.peak_mib >= 140


def test_the_parent_and_each_worker_tree_are_measured_apart() -> None:
    # A parent holding 30 MiB starts a "worker" holding 50 MiB, which starts a "pack" holding 70 MiB; the
    # processes are told apart by their command lines, as those of `preview --all` are.
    def holding(mib: int, then: str = "import time; time.sleep(1.5)") -> str:
        return f"b = bytearray({mib} << 20); b[::4096] = b'x' * len(b[::4096]); {then}"

    pack = f"{holding(70)}  # {fleet_bench.PACK_MARK}"
    worker = holding(
        50, f"import subprocess, sys; subprocess.run([sys.executable, '-c', {pack!r}], check=True)"
    )
    parent = holding(
        30,
        "import subprocess, sys; "
        f"subprocess.run([sys.executable, '-c', {worker + '  # ' + fleet_bench.WORKER_MARK!r}], check=True)",
    )

    result = fleet_bench.measure([sys.executable, "-c", parent], Path.cwd())

    assert 30 <= result.parent_peak_mib < 50
    assert 120 <= result.worker_tree_peak_mib < 150
    assert 50 <= result.process_peak_mib["worker"] < 70
    assert 70 <= result.process_peak_mib["pack"] < 90
    assert result.process_peak_mib["program"] == 0
    assert result.peak_mib >= 150


def test_a_failing_command_is_not_measured_as_a_result() -> None:
    with pytest.raises(RuntimeError, match="exit 2"):
        fleet_bench.measure([sys.executable, "-c", "import sys; sys.exit(2)"], Path.cwd())


def test_the_bench_names_its_sections_and_refuses_unknown_ones() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "toms.bench", "nonsense"], capture_output=True, text=True, check=False
    )

    assert completed.returncode == 2
    assert (
        "no section nonsense; sections: policy_pack, policy_pack_on_example_stacks, preview_stacks, "
        "preview_growth, against_floor_and_checkov, fleet" in completed.stderr
    )
