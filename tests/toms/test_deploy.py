"""`python -m toms deploy` against a fake `pulumi` first on PATH that records how it was called.

Each test builds its own copy of the repository layout (stack files, pack configs, the policy pack with a
real virtualenv) under tmp_path, so a missing or broken file never touches the real stacks/ or policies/.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import threading
import time
import venv
from collections.abc import Iterator
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
import json, os, signal, sys, time
from pathlib import Path
with open(os.environ["FAKE_PULUMI_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps({"args": sys.argv[1:], "cwd": os.getcwd()}) + "\\n")
if os.environ.get("FAKE_PULUMI_SIGNAL"):
    os.kill(os.getpid(), int(os.environ["FAKE_PULUMI_SIGNAL"]))
control = os.environ.get("FAKE_PULUMI_CONTROL")
if control:
    # As the pulumi CLI does: SIGINT and SIGTERM are handled (the first cancels, a second terminates), and
    # the run goes on until the operations in flight end, here until the test writes `release`. Each signal
    # is noted in `signals`. SIGHUP is left as the Go runtime leaves it: unblocked, and ending the process
    # unless it was ignored when the process started.
    signals = Path(control, "signals")
    def note(number, frame):
        with signals.open("a", encoding="utf-8") as file:
            file.write(signal.Signals(number).name + "\\n")
    signal.signal(signal.SIGINT, note)
    signal.signal(signal.SIGTERM, note)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGHUP})
    if os.isatty(0):  # asks for confirmation, as `pulumi up` does on a terminal
        print("Do you want to perform this update?", flush=True)
        Path(control, "answer").write_text(sys.stdin.readline())
    Path(control, "ready.tmp").write_text(json.dumps({"pid": os.getpid(), "pgid": os.getpgrp()}))
    Path(control, "ready.tmp").rename(Path(control, "ready"))
    release = Path(control, "release")
    while not release.exists():
        time.sleep(0.01)
    ending = release.read_text()
    if ending.startswith("SIG"):  # ended by that signal after a graceful stop
        signal.signal(signal.Signals[ending], signal.SIG_DFL)
        os.kill(os.getpid(), signal.Signals[ending])
    sys.exit(int(ending))
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


# --- signals: `toms deploy` as its own process, with a fake pulumi that notes the signals it gets ----------

TOMS_DEPLOY_UP = ["-m", "toms", "deploy", "up", "--stack", "acme", "--yes"]
# Makes the pseudo-terminal on stdin the controlling terminal of the new session, then becomes toms: toms is
# the foreground job of a terminal, as when a person runs it.
ON_A_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)
WAIT_SECONDS = 60.0


@dataclass
class RunningDeploy:
    """`toms deploy up` started in a session of its own, and the control folder of its fake pulumi."""

    process: subprocess.Popen[bytes]
    control: Path
    terminal: int | None = None  # the pseudo-terminal's controller side, when toms runs on one
    terminal_output: TerminalOutput | None = None

    def wait_for(self, condition: Any, what: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            assert self.process.poll() is None, f"toms ended with {self.process.returncode} before {what}"
            assert time.monotonic() < deadline, f"no {what} after {WAIT_SECONDS} s"
            time.sleep(0.01)

    def pulumi(self) -> dict[str, int]:
        """pulumi's pid and process group, once it has installed its handlers."""
        ready = self.control / "ready"
        self.wait_for(ready.exists, "ready file from the fake pulumi")
        return json.loads(ready.read_text())

    def signals(self) -> list[str]:
        path = self.control / "signals"
        return path.read_text().splitlines() if path.exists() else []

    def wait_for_signals(self, count: int) -> None:
        self.wait_for(lambda: len(self.signals()) >= count, f"{count} signal(s) noted by the fake pulumi")

    def release(self, ending: str) -> None:
        """Let the fake pulumi end: an exit code, or the name of the signal it dies of."""
        (self.control / "release.tmp").write_text(ending)
        (self.control / "release.tmp").rename(self.control / "release")

    def finish(self) -> tuple[int, list[str]]:
        """toms' exit code and the lines it wrote (stderr, or the terminal)."""
        if self.terminal_output is None:
            _, err = self.process.communicate(timeout=WAIT_SECONDS)
            return self.process.returncode, err.decode().splitlines()
        self.process.wait(timeout=WAIT_SECONDS)
        return self.process.returncode, self.terminal_output.text().splitlines()


class TerminalOutput(threading.Thread):
    """Everything written to the pseudo-terminal, read as it comes (a full terminal would block toms) until
    every process has closed its side."""

    def __init__(self, terminal: int) -> None:
        super().__init__(daemon=True)
        self.terminal = terminal
        self.output = b""
        self.start()

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.terminal, 4096)
            except OSError:  # EIO: no process has the terminal open any more
                return
            if not chunk:
                return
            self.output += chunk

    def text(self) -> str:
        self.join(timeout=WAIT_SECONDS)
        return self.output.decode(errors="replace").replace("\r", "")


@pytest.fixture
def start_deploy(
    fake_pulumi: FakePulumi, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    control = tmp_path / "control"
    control.mkdir()
    monkeypatch.setenv("FAKE_PULUMI_CONTROL", str(control))
    started: list[RunningDeploy] = []

    def start(*, on_a_terminal: bool = False) -> RunningDeploy:
        command = [sys.executable, *TOMS_DEPLOY_UP, "--project", str(project)]
        if on_a_terminal:
            terminal, terminal_side = pty.openpty()
            process = subprocess.Popen(
                [sys.executable, "-c", ON_A_TERMINAL, *command[1:]],
                cwd=REPOSITORY,
                stdin=terminal_side,
                stdout=terminal_side,
                stderr=terminal_side,
                start_new_session=True,
            )
            os.close(terminal_side)
            os.write(terminal, b"yes\n")  # typed ahead: the terminal keeps it for whoever reads it
            running = RunningDeploy(process, control, terminal, TerminalOutput(terminal))
        else:
            # A session of its own: the test can signal toms' whole process group, and never its own.
            process = subprocess.Popen(
                command,
                cwd=REPOSITORY,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            running = RunningDeploy(process, control)
        started.append(running)
        return running

    yield start
    for running in started:
        # Whatever the test's outcome, nothing it started outlives it.
        if not (control / "release").exists():
            running.release("0")
        if running.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(running.process.pid, signal.SIGKILL)
            running.process.wait()
        if (control / "ready").exists():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(json.loads((control / "ready").read_text())["pgid"], signal.SIGKILL)
        if running.terminal_output is not None:
            running.terminal_output.join(timeout=WAIT_SECONDS)
        if running.terminal is not None:
            os.close(running.terminal)


def toms_error_lines(lines: list[str]) -> list[str]:
    assert not any("Traceback" in line for line in lines), lines
    # A terminal echoes Ctrl-C as "^C", with no newline after it.
    return [line.removeprefix("^C") for line in lines if line.removeprefix("^C").startswith("error:")]


@pytest.mark.parametrize(
    ("number", "sent", "line"),
    [
        (
            signal.SIGTERM,
            "SIGTERM",
            "error: terminated (SIGTERM); pulumi was asked to stop (SIGTERM sent to it)",
        ),
        # pulumi has no handler for SIGHUP, which would end it at once: it is asked with SIGTERM.
        (signal.SIGHUP, "SIGTERM", "error: hung up (SIGHUP); pulumi was asked to stop (SIGTERM sent to it)"),
    ],
    ids=["SIGTERM", "SIGHUP"],
)
@pytest.mark.parametrize(
    ("ending", "ended"),
    [("255", "exited with code 255"), ("SIGTERM", "was killed by SIGTERM")],
    ids=["pulumi-exits-255", "pulumi-dies-of-SIGTERM"],
)
def test_a_signal_to_toms_alone_asks_pulumi_to_stop_and_toms_waits_for_it(
    start_deploy: Any, number: signal.Signals, sent: str, line: str, ending: str, ended: str
) -> None:
    deploy_run = start_deploy()
    pulumi_process = deploy_run.pulumi()
    # A group of its own: a signal sent to toms' whole group reaches pulumi only through toms.
    assert pulumi_process["pgid"] == pulumi_process["pid"] != deploy_run.process.pid

    deploy_run.process.send_signal(number)
    deploy_run.wait_for_signals(1)
    assert deploy_run.process.poll() is None, "toms ended before pulumi"
    deploy_run.release(ending)
    exit_code, lines = deploy_run.finish()

    assert deploy_run.signals() == [sent]
    assert exit_code == 128 + number
    assert toms_error_lines(lines) == [f"{line} and {ended}"]


def test_a_second_sigterm_is_handed_on_too(start_deploy: Any) -> None:
    deploy_run = start_deploy()
    deploy_run.pulumi()

    deploy_run.process.send_signal(signal.SIGTERM)
    deploy_run.wait_for_signals(1)
    deploy_run.process.send_signal(signal.SIGTERM)
    deploy_run.wait_for_signals(2)
    assert deploy_run.process.poll() is None, "toms ended before pulumi"
    deploy_run.release("255")
    exit_code, lines = deploy_run.finish()

    assert deploy_run.signals() == ["SIGTERM", "SIGTERM"]
    assert exit_code == 143
    assert toms_error_lines(lines) == [
        "error: terminated (SIGTERM); pulumi was asked to stop (SIGTERM, SIGTERM sent to it) and exited with "
        "code 255"
    ]


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_toms_whole_process_group_reaches_pulumi_once(
    start_deploy: Any, number: signal.Signals
) -> None:
    """GNU timeout, GitLab's runner and systemd signal the whole group; pulumi, in its own, gets it once."""
    deploy_run = start_deploy()
    deploy_run.pulumi()

    os.killpg(deploy_run.process.pid, number)
    deploy_run.wait_for_signals(1)
    deploy_run.release("255")
    exit_code, lines = deploy_run.finish()

    assert deploy_run.signals() == [number.name]
    assert exit_code == 128 + number
    (line,) = toms_error_lines(lines)
    assert line.endswith(f"; pulumi was asked to stop ({number.name} sent to it) and exited with code 255")


def test_ctrl_c_on_a_terminal_reaches_pulumi_once_and_toms_waits_for_it(start_deploy: Any) -> None:
    deploy_run = start_deploy(on_a_terminal=True)
    pulumi_process = deploy_run.pulumi()
    # toms' group: pulumi can read the terminal (its confirmation prompt) and gets Ctrl-C from it.
    assert pulumi_process["pgid"] == deploy_run.process.pid
    assert (deploy_run.control / "answer").read_text() == "yes\n"

    assert deploy_run.terminal is not None
    os.write(deploy_run.terminal, b"\x03")
    deploy_run.wait_for_signals(1)
    assert deploy_run.process.poll() is None, "toms ended before pulumi"
    deploy_run.release("255")
    exit_code, lines = deploy_run.finish()

    assert deploy_run.signals() == ["SIGINT"]  # the terminal's, not a second one from toms
    assert exit_code == 130
    assert toms_error_lines(lines) == [
        "error: interrupted; pulumi got the interrupt from the terminal and exited with code 255"
    ]


def test_a_terminal_hang_up_asks_pulumi_to_stop_instead_of_killing_it(start_deploy: Any) -> None:
    """A closed terminal sends SIGHUP to the whole foreground group, pulumi included; pulumi would die of
    it, leaving the stack locked. It ignores it, and toms asks it to stop with SIGTERM."""
    deploy_run = start_deploy(on_a_terminal=True)
    deploy_run.pulumi()

    os.killpg(deploy_run.process.pid, signal.SIGHUP)
    deploy_run.wait_for_signals(1)
    deploy_run.release("255")
    exit_code, lines = deploy_run.finish()

    assert deploy_run.signals() == ["SIGTERM"]
    assert exit_code == 129
    assert toms_error_lines(lines) == [
        "error: hung up (SIGHUP); pulumi was asked to stop (SIGTERM sent to it) and exited with code 255"
    ]


def test_pulumi_ending_by_itself_still_gives_its_own_exit_code(start_deploy: Any) -> None:
    deploy_run = start_deploy()
    deploy_run.pulumi()

    deploy_run.release("3")
    exit_code, lines = deploy_run.finish()

    assert exit_code == 3
    assert deploy_run.signals() == []
    assert toms_error_lines(lines) == []
