"""`toms preview --program` on programs written the way people write them, one per cause of failure found
when the tool met real Pulumi examples (issue 16). Each runs to a verdict, or to the clear message it
promises; the JSON and SARIF reports are checked against their schemas every time."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.toms.preview.processes import ended, owner_marker, pack_processes_in
from tests.toms.preview.test_preview import validate_report, validate_sarif
from toms.__main__ import main
from toms.preview.targets import default_pack

PROGRAMS = Path(__file__).resolve().parent / "programs"


class Outcome:
    def __init__(self, code: int, out: str, err: str, report: dict[str, Any], log: dict[str, Any]) -> None:
        self.code, self.out, self.err, self.report, self.log = code, out, err, report, log

    @property
    def stack(self) -> dict[str, Any]:
        (only,) = self.report["previews"]
        return only

    @property
    def invocation(self) -> dict[str, Any]:
        (run,) = self.log["runs"]
        (invocation,) = run["invocations"]
        return invocation


def preview_program(
    program: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *options: str | Path
) -> Outcome:
    """`toms preview --program` in this process (the program runs in its own interpreter anyway)."""
    report, log = tmp_path / "report.json", tmp_path / "report.sarif"
    capsys.readouterr()
    code = main(
        ["preview", "--program", str(program), "--json", str(report), "--sarif", str(log), *map(str, options)]
    )
    captured = capsys.readouterr()
    document = json.loads(report.read_text(encoding="utf-8"))
    sarif_log = json.loads(log.read_text(encoding="utf-8"))
    validate_report(document)
    validate_sarif(sarif_log)
    return Outcome(code, captured.out, captured.err, document, sarif_log)


def copy_program(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(PROGRAMS / name, tmp_path / name))


def make_virtualenv(program: Path, modules: dict[str, str]) -> Path:
    """The program's own virtualenv, `venv/` in its folder: a real venv whose site-packages hold the
    Pulumi SDK (through a .pth to this repository's, so no download) and `modules` (name -> source), which
    toms' own virtualenv does not have."""
    venv = program / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site_packages,) = venv.glob("lib/python*/site-packages")
    (site_packages / "toms-test-sdk.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    for name, source in modules.items():
        (site_packages / f"{name}.py").write_text(source, encoding="utf-8")
    return venv


def test_resources_passed_as_inputs_reach_a_verdict_with_engine_ids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = preview_program(PROGRAMS / "resource_inputs", tmp_path, capsys)
    assert outcome.code in (0, 1), outcome.err
    assert outcome.stack["verdict"] in ("pass", "fail")
    inputs = {r["name"]: r["inputs"] for r in outcome.stack["resources"]}
    # The engine sends a resource input as the resource's id, unknown until it exists.
    assert inputs["logs"]["role"] == "[unknown]"
    assert inputs["invoke"]["function"] == "[unknown]"
    assert outcome.invocation["executionSuccessful"] is True


def test_data_sources_answer_with_placeholders_that_the_report_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = preview_program(PROGRAMS / "data_sources", tmp_path, capsys)
    assert outcome.code in (0, 1), outcome.err
    answers = {entry["token"]: entry["answer"] for entry in outcome.stack["invokes"]}
    looked_up = {
        "aws:ec2/getVpc:getVpc",
        "aws:ec2/getSubnets:getSubnets",
        "aws:route53/getZone:getZone",
        "aws:kms/getAlias:getAlias",
    }
    assert answers == dict.fromkeys(looked_up, "placeholder")
    assert "ANSWERED WITH PLACEHOLDER VALUES" in outcome.out
    for token in looked_up:
        assert token in outcome.out
    inputs = {r["name"]: r["inputs"] for r in outcome.stack["resources"] if r["custom"]}
    assert inputs["server"]["subnetId"].startswith("subnet-")  # an id of the right kind, in the stack's place
    assert inputs["events"]["kmsMasterKeyId"].startswith("arn:aws:kms:us-east-1:123456789012:")
    notes = [note["message"]["text"] for note in outcome.invocation["toolExecutionNotifications"]]
    assert any("placeholder values" in note and "aws:ec2/getVpc:getVpc" in note for note in notes)


def test_invoke_answers_give_real_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        yaml.safe_dump({"aws:ec2/getSubnets:getSubnets": {"ids": ["subnet-0aaa", "subnet-0bbb"]}}),
        encoding="utf-8",
    )
    outcome = preview_program(PROGRAMS / "data_sources", tmp_path, capsys, "--invoke-answers", answers)
    answered = {entry["token"]: entry["answer"] for entry in outcome.stack["invokes"]}
    assert answered["aws:ec2/getSubnets:getSubnets"] == "given"
    assert answered["aws:ec2/getVpc:getVpc"] == "placeholder"
    inputs = {r["name"]: r["inputs"] for r in outcome.stack["resources"] if r["custom"]}
    assert inputs["server"]["subnetId"] == "subnet-0aaa"


def test_a_bad_invoke_answers_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("getSubnets: {ids: []}\n", encoding="utf-8")
    capsys.readouterr()
    code = main(["preview", "--program", str(PROGRAMS / "data_sources"), "--invoke-answers", str(answers)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{answers}: getSubnets: expected a provider function token such as aws:ec2/getVpc:getVpc" in err


def test_the_program_runs_in_its_own_virtualenv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = copy_program("own_virtualenv", tmp_path)
    venv = make_virtualenv(
        program, {"program_helpers": "def topic_name(base):\n    return f'{base}-events'\n"}
    )
    outcome = preview_program(program, tmp_path, capsys)
    assert outcome.code in (0, 1), outcome.err
    assert f"the program's virtualenv {venv.resolve()}" in outcome.stack["interpreter"]
    assert f"Program run by the program's virtualenv {venv.resolve()}" in outcome.out
    (topic,) = [r for r in outcome.stack["resources"] if r["type"] == "aws:sns/topic:Topic"]
    assert topic["inputs"]["name"] == "orders-events"


def test_a_package_missing_from_the_virtualenv_is_named_with_where_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = copy_program("missing_package", tmp_path)
    venv = make_virtualenv(program, {})
    outcome = preview_program(program, tmp_path, capsys)
    assert outcome.code == 2
    message = outcome.stack["error"]
    assert "the program imports pulumi_random, which is not installed in" in message
    assert f"the program's virtualenv {venv.resolve()}" in message
    assert f"{venv.resolve()}/bin/python -m pip install pulumi-random" in message
    assert "Traceback" not in outcome.err
    assert outcome.invocation["executionSuccessful"] is False


def test_a_named_virtualenv_that_does_not_exist_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = copy_program("own_virtualenv", tmp_path)
    outcome = preview_program(program, tmp_path, capsys)
    assert outcome.code == 2
    assert (
        f"runtime.options.virtualenv: {program.resolve() / 'venv'} has no bin/python"
        in outcome.stack["error"]
    )


@pytest.mark.parametrize(
    ("name", "source", "keys"),
    [
        ("working_directory", "__main__.py", {"index.html", "site.css"}),
        # `main: infra/`: www/ and naming.py are found in infra/, where the Pulumi CLI runs the program.
        ("main_folder", "infra/__main__.py", {"site/index.html"}),
    ],
)
def test_the_program_runs_where_the_cli_runs_it_and_reports_paths_from_the_project_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, source: str, keys: set[str]
) -> None:
    program = PROGRAMS / name
    outcome = preview_program(program, tmp_path, capsys)
    assert outcome.code in (0, 1), outcome.err
    objects = [r for r in outcome.stack["resources"] if r["type"] == "aws:s3/bucketObject:BucketObject"]
    assert {r["inputs"]["key"] for r in objects} == keys
    assert {r["source"]["file"] for r in objects} == {source}
    (run,) = outcome.log["runs"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == program.resolve().as_uri() + "/"
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location == {"uri": source, "uriBaseId": "%SRCROOT%"}


def test_main_naming_a_file_runs_that_file_in_its_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = preview_program(PROGRAMS / "main_file", tmp_path, capsys)
    assert outcome.code in (0, 1), outcome.err
    (topic,) = [r for r in outcome.stack["resources"] if r["type"] == "aws:sns/topic:Topic"]
    assert topic["inputs"]["name"] == "orders-events"
    assert topic["source"]["file"] == "src/app.py"


def test_main_pointing_nowhere_is_refused_naming_the_file_the_key_and_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = copy_program("main_folder", tmp_path)
    project_file = program / "Pulumi.yaml"
    project_file.write_text(
        project_file.read_text(encoding="utf-8").replace("main: infra/", "main: infrastructure/"),
        encoding="utf-8",
    )
    outcome = preview_program(program, tmp_path, capsys)
    assert outcome.code == 2
    message = outcome.stack["error"]
    assert f"{project_file}: main: infrastructure/ does not exist" in message
    assert "expected the program's folder or its entry file, relative to" in message
    assert "Traceback" not in outcome.err
    assert outcome.invocation["executionSuccessful"] is False


def test_every_missing_config_key_is_named_at_once_with_the_option_to_pass_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = preview_program(PROGRAMS / "required_config", tmp_path, capsys)
    assert outcome.code == 2
    message = outcome.stack["error"]
    assert "requires 3 config values the stack does not set" in message
    for key in ("required-config:topicName", "required-config:retentionDays", "required-config:apiToken"):
        assert f"--config {key}=VALUE" in message
    assert "pulumi config set" not in message
    given = preview_program(
        PROGRAMS / "required_config",
        tmp_path,
        capsys,
        "--config",
        "topicName=orders",
        "--config",
        "retentionDays=400",
        "--config",
        "apiToken=t",
    )
    assert given.code in (0, 1), given.err


def test_config_overrides_an_encrypted_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refused = preview_program(PROGRAMS / "secure_config", tmp_path, capsys)
    assert refused.code == 2
    assert "secure-config:dbPassword: encrypted secret" in refused.stack["error"]
    assert "--config secure-config:dbPassword=VALUE" in refused.stack["error"]
    outcome = preview_program(PROGRAMS / "secure_config", tmp_path, capsys, "--config", "dbPassword=plain")
    assert outcome.code in (0, 1), outcome.err
    (parameter,) = [r for r in outcome.stack["resources"] if r["type"] == "aws:ssm/parameter:Parameter"]
    assert parameter["inputs"]["value"] == "[secret]"


def test_a_plugin_component_is_named_and_never_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = preview_program(PROGRAMS / "plugin_component", tmp_path, capsys)
    assert outcome.code == 2
    assert outcome.stack["verdict"] == "incomplete"
    assert outcome.report["summary"]["verdict"] == "incomplete"
    assert [(c["type"], c["name"]) for c in outcome.stack["notExpandable"]] == [("awsx:ec2:Vpc", "network")]
    assert "awsx:ec2:Vpc network: a component implemented by the provider plugin awsx" in outcome.out
    assert "PASS" not in outcome.out
    notes = outcome.invocation["toolExecutionNotifications"]
    assert any(
        note["level"] == "error" and "awsx:ec2:Vpc network" in note["message"]["text"] for note in notes
    )


def test_resources_no_policy_judged_are_listed_by_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = preview_program(PROGRAMS / "resource_inputs", tmp_path, capsys)
    judged_types = {r["type"] for r in outcome.stack["resources"] if r["custom"]}
    not_judged = outcome.stack["notJudged"]
    assert set(not_judged) <= judged_types
    # A provider no rule checks the configuration of; the resource it manages is refused by the closed
    # world rule (a policy that judged it), so it is not listed.
    assert "pulumi:providers:acme" in not_judged
    assert "acme:index:Widget" not in not_judged
    # Judged by a stack policy only (the pack says which types its stack policies judge); reviewed harmless.
    assert (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        in judged_types
    )
    assert (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        not in not_judged
    )
    assert not_judged.get("aws:kms/alias:Alias") == 1
    flagged = {(f["policy"], f["resourceType"]) for f in outcome.stack["findings"]}
    assert ("resource-type-not-reviewed", "acme:index:Widget") in flagged
    assert "NOT JUDGED BY ANY POLICY" in outcome.out


def test_reads_and_stack_references(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = preview_program(PROGRAMS / "reads_and_references", tmp_path, capsys)
    assert outcome.code in (0, 1), outcome.err
    assert {(r["type"], r["name"]) for r in outcome.stack["reads"]} == {
        ("aws:s3/bucketV2:BucketV2", "logs"),
        ("pulumi:pulumi:StackReference", "acme/network/prod"),
    }
    inputs = {r["name"]: r["inputs"] for r in outcome.stack["resources"] if r["custom"]}
    assert inputs["app"]["vpcId"] == "[unknown]"  # another stack's outputs cannot be read offline
    assert "arn:aws:s3:::acme-central-logs" in inputs["events"]["policy"]
    references = tmp_path / "references.yaml"
    references.write_text(yaml.safe_dump({"acme/network/prod": {"vpcId": "vpc-0abc"}}), encoding="utf-8")
    given = preview_program(
        PROGRAMS / "reads_and_references", tmp_path, capsys, "--stack-reference", references
    )
    assert {r["name"]: r["inputs"] for r in given.stack["resources"]}["app"]["vpcId"] == "vpc-0abc"


@pytest.mark.parametrize(
    ("number", "line"),
    [
        (signal.SIGINT, "error: interrupted; no report was written"),
        (signal.SIGTERM, "error: terminated (SIGTERM); no report was written"),
    ],
)
def test_ctrl_c_ends_the_preview_with_one_line_and_exit_130(
    tmp_path: Path, number: signal.Signals, line: str
) -> None:
    """Ctrl-C (and SIGTERM, a cancelled CI job) while the program runs and toms is still loading the pack's
    side: one line, 128 + the signal, no report, and neither the program's interpreter nor the pack
    process is left running."""
    started = tmp_path / "started"
    report = tmp_path / "report.json"
    marker = owner_marker()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "toms", "preview", "--program", str(PROGRAMS / "interrupted")),
            *("--config", f"startedFile={started}", "--json", str(report)),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **dict([marker.split("=", 1)])},
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert started.exists(), process.stderr.read() if process.stderr else ""
        process.send_signal(number)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + number
    assert err.strip().splitlines() == [line]
    assert not report.exists()
    program = int(started.read_text())
    assert ended(program), f"the program's interpreter {program} still runs"
    assert pack_processes_in(default_pack(), marker) == []


def write_project(root: Path, stacks: dict[str, str], pack_configs: list[str]) -> None:
    """A tiny toms project laid out like this repository: stacks/, stacks/policy-config/ and the pack."""
    (root / "stacks" / "policy-config").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text(
        "name: toms\nruntime: python\nstackConfigDir: stacks\n", encoding="utf-8"
    )
    (root / "policies").symlink_to(REPO / "policies")
    (root / "__main__.py").write_text(
        "import pulumi_aws as aws\naws.cloudwatch.LogGroup('app', retention_in_days=400)\n", encoding="utf-8"
    )
    for stack, text in stacks.items():
        (root / "stacks" / f"Pulumi.{stack}.yaml").write_text(text, encoding="utf-8")
    for stack in pack_configs:
        (root / "stacks" / "policy-config" / f"{stack}.json").write_text("{}", encoding="utf-8")


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    write_project(
        root,
        {
            "good": "config:\n  aws:region: eu-west-1\n",
            "broken": "config: [unclosed\n",
            "new": "config: {}\n",
        },
        ["good", "broken"],
    )
    return root


def test_all_reports_a_stack_it_cannot_read_and_previews_the_rest(
    fleet: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "all.json"
    code = main(["preview", "--project", str(fleet), "--all", "--json", str(report)])
    captured = capsys.readouterr()
    assert code == 2
    assert "preview of broken failed: " in captured.err
    assert "Pulumi.broken.yaml: not valid YAML" in captured.err
    assert "good: " in captured.out
    document = json.loads(report.read_text(encoding="utf-8"))
    validate_report(document)
    verdicts = {entry["stack"]: entry["verdict"] for entry in document["previews"]}
    assert verdicts["broken"] == "error" and verdicts["new"] == "error"
    assert verdicts["good"] in ("pass", "fail")
    assert document["summary"]["verdict"] == "error"


def test_a_stack_without_pack_config_is_refused_naming_the_file_to_write(
    fleet: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["preview", "--project", str(fleet), "--stack", "new"])
    err = capsys.readouterr().err
    assert code == 2
    expected = "stacks/policy-config/new.json"  # named relative to the project root
    assert f"{expected}: does not exist: the policy pack has no configuration for 'new'" in err
    assert f"Write {expected} first." in err
