"""`toms audit` refuses a stack file it cannot compare with, before any AWS call, and says only what is
wrong with it: an audit creates nothing, so it never says "nothing was created"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO
from toms.__main__ import main
from toms.live.stacks import load_expectations

ACME_STACK = (REPO / "stacks" / "Pulumi.acme.yaml").read_text(encoding="utf-8")


def audit(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    code = main(["audit", *map(str, args)])
    return code, capsys.readouterr().err


def test_a_stack_file_with_a_bad_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_file = tmp_path / "Pulumi.acme.yaml"
    stack_file.write_text(ACME_STACK.replace("toms:service:\n", "toms:service:\n    replicas: 1\n"))
    assert audit(capsys, "--client", "acme", "--stack-file", stack_file) == (
        2,
        f"toms audit: error: {stack_file}: 1 problem in the stack configuration:\n"
        "  - toms:service.replicas: got 1; expected at least 2\n",
    )


def test_the_projects_stack_file_must_name_its_own_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text())
    (tmp_path / "stacks" / "Pulumi.beta.yaml").write_text(ACME_STACK)
    monkeypatch.chdir(tmp_path / "stacks")
    code, err = audit(capsys, "--client", "beta")
    assert code == 2
    assert err == (
        "toms audit: error: stacks/Pulumi.beta.yaml: 1 problem in the stack configuration:\n"
        '  - toms:client: got "acme"; expected "beta", the stack\'s name: the audit, the report and the policy '
        "pack config (stacks/policy-config/beta.json) find a client by its stack name\n"
    )
    assert "nothing was created" not in err


def test_the_clients_pack_config_beside_its_stack_file_is_read_for_its_exceptions(tmp_path: Path) -> None:
    expectations = load_expectations("acme", None)
    assert expectations.policy_config == json.loads(
        (REPO / "stacks" / "policy-config" / "acme.json").read_text(encoding="utf-8")
    )
    stack_file = tmp_path / "Pulumi.acme.yaml"
    stack_file.write_text(ACME_STACK)
    # No pack config beside a stack file: no documented exception, so a measure turned off fails.
    assert load_expectations("acme", stack_file).policy_config == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not a readable JSON pack config"),
        ('["lb-waf-associated"]', "expected a JSON object of policy names to levels or settings"),
    ],
)
def test_a_pack_config_that_cannot_be_read_stops_the_audit_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, problem: str
) -> None:
    stack_file = tmp_path / "Pulumi.acme.yaml"
    stack_file.write_text(ACME_STACK)
    (tmp_path / "policy-config").mkdir()
    config = tmp_path / "policy-config" / "acme.json"
    config.write_text(text)
    code, err = audit(capsys, "--client", "acme", "--stack-file", stack_file)
    assert code == 2
    assert err.startswith(f"toms audit: error: {config}: {problem}")
