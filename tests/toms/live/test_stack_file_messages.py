"""`toms audit` refuses a stack file it cannot compare with, before any AWS call, and says only what is
wrong with it: an audit creates nothing, so it never says "nothing was created"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from toms.__main__ import main

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
