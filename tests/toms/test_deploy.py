"""`python -m toms deploy` against a fake `pulumi` first on PATH that records how it was called.

Each test builds its own copy of the repository layout (stack files, pack configs, the policy pack with a
real virtualenv) under tmp_path, so a missing or broken file never touches the real stacks/ or policies/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from toms import deploy
from toms.__main__ import main

REPOSITORY = Path(__file__).resolve().parents[2]

# Distinct per-client settings, so a run that picked up the wrong client's file is caught.
CLIENT_PACK_CONFIGS = {
    "acme": {"all": "mandatory", "log-group-retention": {"minDays": 365, "maxDays": 365}},
    "globex": {"all": "mandatory", "log-group-retention": {"minDays": 400, "maxDays": 400}},
}

FAKE_PULUMI = """
import json, os, signal, sys
with open(os.environ["FAKE_PULUMI_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"args": sys.argv[1:], "cwd": os.getcwd()}) + "\\n")
if os.environ.get("FAKE_PULUMI_SIGNAL"):
    os.kill(os.getpid(), int(os.environ["FAKE_PULUMI_SIGNAL"]))
sys.exit(int(os.environ["FAKE_PULUMI_EXIT_CODE"]))
"""


@dataclass
class FakePulumi:
    log: Path
    monkeypatch: pytest.MonkeyPatch

    def exits_with(self, code: int) -> None:
        self.monkeypatch.setenv("FAKE_PULUMI_EXIT_CODE", str(code))

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePulumi:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable = bin_dir / "pulumi"
    executable.write_text(f"#!{sys.executable}\n{FAKE_PULUMI}", encoding="utf-8")
    executable.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    log = tmp_path / "pulumi-calls.jsonl"
    monkeypatch.setenv("FAKE_PULUMI_LOG", str(log))
    monkeypatch.setenv("FAKE_PULUMI_EXIT_CODE", "0")
    return FakePulumi(log=log, monkeypatch=monkeypatch)


def pack_site_packages(project: Path) -> Path:
    (site_packages,) = (project / "policies" / "venv" / "lib").glob("python*/site-packages")
    return site_packages


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the layout toms deploy needs, with the pack's own virtualenv holding its pinned packages."""
    root = tmp_path / "project"
    (root / "stacks" / "policy-config").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: toms\nruntime: python\nstackConfigDir: stacks\n")
    for client, pack_config in CLIENT_PACK_CONFIGS.items():
        (root / "stacks" / f"Pulumi.{client}.yaml").write_text("config:\n  aws:region: eu-central-1\n")
        (root / "stacks" / "policy-config" / f"{client}.json").write_text(json.dumps(pack_config))
    pack = root / "policies"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(
        "version: 0.1.0\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    # The real pack: `toms deploy` starts it to check the client's pack config as the pulumi CLI will.
    shutil.copy(REPOSITORY / "policies" / "__main__.py", pack / "__main__.py")
    shutil.copytree(
        REPOSITORY / "policies" / "toms_pack",
        pack / "toms_pack",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(REPOSITORY / "policies" / "requirements.txt", pack / "requirements.txt")
    # A real virtualenv without pip (fast to make); a .pth file lends it the packages already installed for
    # the project, which are the versions policies/requirements.txt pins.
    venv.create(pack / "venv", with_pip=False, symlinks=True)
    project_site_packages = Path(pulumi.__file__).resolve().parents[1]
    (pack_site_packages(root) / "project-packages.pth").write_text(f"{project_site_packages}\n")
    return root


def toms_deploy(*arguments: str | Path) -> int:
    return main(["deploy", *(str(argument) for argument in arguments)])


@pytest.mark.parametrize("client", sorted(CLIENT_PACK_CONFIGS))
@pytest.mark.parametrize("action", ["preview", "up"])
def test_every_preview_and_up_carries_the_pack_and_that_clients_own_config(
    fake_pulumi: FakePulumi, project: Path, action: str, client: str
) -> None:
    assert toms_deploy(action, "--stack", client, "--project", project) == 0

    (call,) = fake_pulumi.calls()
    assert call["args"] == [
        action,
        "--stack",
        client,
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        f"stacks/policy-config/{client}.json",
        "--diff",
    ]
    # The relative paths resolve from where pulumi runs: the pack and this client's file, nobody else's.
    cwd = Path(call["cwd"])
    assert cwd == project.resolve()
    assert (cwd / "policies" / "PulumiPolicy.yaml").is_file()
    assert (
        json.loads((cwd / f"stacks/policy-config/{client}.json").read_text()) == CLIENT_PACK_CONFIGS[client]
    )


def test_up_skips_the_confirmation_only_when_asked(fake_pulumi: FakePulumi, project: Path) -> None:
    assert toms_deploy("up", "--stack", "acme", "--yes", "--project", project) == 0

    (call,) = fake_pulumi.calls()
    assert call["args"] == [
        "up",
        "--stack",
        "acme",
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        "stacks/policy-config/acme.json",
        "--diff",
        "--yes",
    ]


def test_preview_has_no_yes(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        toms_deploy("preview", "--stack", "acme", "--yes", "--project", project)

    assert exit_info.value.code == 2
    assert "unrecognized arguments: --yes" in capsys.readouterr().err
    assert fake_pulumi.calls() == []


def test_a_stack_without_pack_config_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "stacks" / "policy-config" / "globex.json").unlink()

    for action in ("preview", "up", "check"):
        assert toms_deploy(action, "--stack", "globex", "--project", project) == deploy.REFUSED
        error = capsys.readouterr().err
        assert "refused, pulumi was not run" in error
        assert "stacks/policy-config/globex.json does not exist" in error
    assert fake_pulumi.calls() == []


def test_a_client_without_stack_file_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert toms_deploy("preview", "--stack", "initech", "--project", project) == deploy.REFUSED

    error = capsys.readouterr().err
    assert "stacks/Pulumi.initech.yaml does not exist" in error
    assert "clients: acme, globex" in error
    assert fake_pulumi.calls() == []


def test_a_pack_config_that_is_not_utf8_text_is_refused_without_a_traceback(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "stacks" / "policy-config" / "acme.json"
    config.write_bytes(b'{"all": "\xff"}')
    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED
    error = capsys.readouterr().err
    assert "stacks/policy-config/acme.json: cannot be read as UTF-8 JSON text" in error
    assert "Traceback" not in error
    assert fake_pulumi.calls() == []


def test_a_pack_config_that_is_not_a_json_object_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project / "stacks" / "policy-config" / "acme.json"
    config.write_text('{"all": "mandatory",\n')
    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED
    assert "stacks/policy-config/acme.json: not valid JSON (line 2" in capsys.readouterr().err

    config.write_text('["mandatory"]')
    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED
    assert "expected a JSON object keyed by policy name, found list" in capsys.readouterr().err
    assert fake_pulumi.calls() == []


@pytest.mark.parametrize(
    "name", ["Acme", "acme_eu", "-acme", "acme-", "acme--eu", "../acme", "acme.json", "a" * 17, "a" * 64, ""]
)
def test_a_client_name_that_is_not_a_dns_label_is_refused_before_anything_runs(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        toms_deploy("up", f"--stack={name}", "--project", project)

    assert exit_info.value.code == 2
    assert "is not a client name: expected one lowercase DNS label" in capsys.readouterr().err
    assert fake_pulumi.calls() == []


@pytest.mark.parametrize("exit_code", [1, 3, 255])
def test_pulumis_own_exit_code_is_passed_through(
    fake_pulumi: FakePulumi, project: Path, exit_code: int
) -> None:
    fake_pulumi.exits_with(exit_code)

    assert toms_deploy("up", "--stack", "acme", "--yes", "--project", project) == exit_code
    assert len(fake_pulumi.calls()) == 1


def test_a_pulumi_killed_by_a_signal_is_a_failure_with_the_shells_exit_code(
    fake_pulumi: FakePulumi, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_PULUMI_SIGNAL", str(int(signal.SIGTERM)))

    assert toms_deploy("preview", "--stack", "acme", "--project", project) == 128 + signal.SIGTERM


def test_the_process_exit_code_of_python_m_toms_is_pulumis(fake_pulumi: FakePulumi, project: Path) -> None:
    fake_pulumi.exits_with(7)

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "toms",
            "deploy",
            "preview",
            "--stack",
            "globex",
            "--project",
            str(project),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 7, completed.stderr
    assert "+ pulumi preview --stack globex --policy-pack policies" in completed.stderr
    (call,) = fake_pulumi.calls()
    assert call["args"][:3] == ["preview", "--stack", "globex"]


def test_missing_pack_virtualenv_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(project / "policies" / "venv")

    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED

    error = capsys.readouterr().err
    assert "the policy pack's dependencies are not installed: its virtualenv policies/venv" in error
    assert "make policy-venv" in error
    assert fake_pulumi.calls() == []


def test_pack_virtualenv_without_the_packs_packages_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (pack_site_packages(project) / "project-packages.pth").unlink()

    assert toms_deploy("up", "--stack", "acme", "--project", project) == deploy.REFUSED

    error = capsys.readouterr().err
    assert "the policy pack's dependencies are not installed in policies/venv" in error
    assert "pulumi-policy is not installed (needs ==1.21.0)" in error
    assert fake_pulumi.calls() == []


def test_pack_virtualenv_with_other_versions_than_the_pins_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requirements = project / "policies" / "requirements.txt"
    requirements.write_text(
        requirements.read_text().replace("pulumi-policy==1.21.0", "pulumi-policy==1.20.0")
    )

    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED

    assert "pulumi-policy 1.21.0 is installed (needs ==1.20.0)" in capsys.readouterr().err
    assert fake_pulumi.calls() == []


def test_a_pack_that_does_not_declare_its_own_virtualenv_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "policies" / "PulumiPolicy.yaml").write_text("runtime: python\n")

    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED

    assert "policies/PulumiPolicy.yaml: key runtime.name: expected python" in capsys.readouterr().err

    (project / "policies" / "PulumiPolicy.yaml").write_text("runtime:\n  name: python\n")
    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED
    assert "key runtime.options.virtualenv is missing" in capsys.readouterr().err
    assert fake_pulumi.calls() == []


def test_no_pulumi_on_path_is_refused(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    monkeypatch.setenv("PATH", str(empty_dir))

    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED

    assert "the pulumi CLI is not on PATH" in capsys.readouterr().err


def test_check_runs_every_refusal_but_not_pulumi(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert toms_deploy("check", "--stack", "acme", "--project", project) == 0

    assert "ready: stacks/Pulumi.acme.yaml, stacks/policy-config/acme.json" in capsys.readouterr().out
    assert fake_pulumi.calls() == []


def test_the_real_pack_runs_in_the_virtualenv_make_policy_venv_builds() -> None:
    """PulumiPolicy.yaml, the Makefile's policy-venv target and policies/.gitignore name the same folder."""
    project = yaml.safe_load((REPOSITORY / "policies" / "PulumiPolicy.yaml").read_text())

    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"
    assert "PACK_VENV := policies/venv" in (REPOSITORY / "Makefile").read_text()
    assert "venv/" in (REPOSITORY / "policies" / ".gitignore").read_text().splitlines()


def test_a_pack_interpreter_that_does_not_run_is_refused(
    fake_pulumi: FakePulumi, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    interpreter = project / "policies" / "venv" / "bin" / "python"
    interpreter.unlink()
    interpreter.write_text("#!/bin/sh\necho 'no usable python here' >&2\nexit 1\n")
    interpreter.chmod(0o755)

    assert toms_deploy("preview", "--stack", "acme", "--project", project) == deploy.REFUSED

    error = capsys.readouterr().err
    assert (
        "the policy pack's interpreter policies/venv/bin/python does not run (no usable python here)" in error
    )
    assert fake_pulumi.calls() == []


@pytest.mark.parametrize(
    ("pack_config", "problem"),
    [
        ({"all": "disabled"}, "below mandatory without `reason` and `expires` for every policy"),
        ({"all": "advisory"}, "below mandatory without `reason` and `expires` for every policy"),
        (
            {"log-group-retention": {"minDay": 365}},
            "Additional properties are not allowed ('minDay' was unexpected)",
        ),
        (
            {"log-group-retention": {"minDays": 400, "maxDays": 30}},
            "minDays (400) is greater than maxDays (30)",
        ),
        ({"security-group-public-ingress": {"allowedPublicPorts": [443, 5432]}}, "should not be valid"),
    ],
    ids=["all-disabled", "all-advisory", "typo", "min-above-max", "public-database-port"],
)
def test_check_refuses_a_pack_config_that_loosens_the_pack_as_preview_does(
    project: Path, capsys: pytest.CaptureFixture[str], pack_config: dict[str, Any], problem: str
) -> None:
    """Problem 4 of issue 14: the same file and the same message as `toms preview` (tests/policies)."""
    (project / "stacks" / "policy-config" / "acme.json").write_text(json.dumps(pack_config))
    assert toms_deploy("check", "--stack", "acme", "--project", project) == deploy.REFUSED
    err = capsys.readouterr().err
    assert "toms deploy: refused, pulumi was not run: stacks/policy-config/acme.json: " in err
    assert problem in err
