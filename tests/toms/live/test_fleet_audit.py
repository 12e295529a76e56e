"""`toms audit --all` against moto: two clients in two accounts, one compliant and one not, each audited with
a role assumed in its own account; credentials that reach the wrong account; a stack's own profile.

moto answers a request in the account of the role whose credentials sign it (its AssumeRole returns keys
bound to the role's account), so the two clients' audits run in parallel threads, each in its account."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from tests.toms.moto_baseline import REPOSITORY, build_baseline, fake_aws_environment, stack_config
from toms.__main__ import main
from toms.live.fleet import SUMMARY_FILE, FleetAudit
from toms.live.models import AuditResult

ROLE_TEMPLATE = "arn:aws:iam::{account}:role/toms-audit"
CLIENTS = ("acme", "globex")


@pytest.fixture(scope="module")
def two_accounts() -> Iterator[None]:
    """acme's baseline, compliant, in acme's account; globex's, broken on every measure, in globex's."""
    with fake_aws_environment(), mock_aws():
        build_baseline(stack_config("acme"))
        build_baseline(stack_config("globex"), compliant=False)
        yield


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A toms project holding acme's and globex's stack files only."""
    root = tmp_path / "project"
    (root / "stacks").mkdir(parents=True)
    shutil.copy(REPOSITORY / "Pulumi.yaml", root)
    for client in CLIENTS:
        shutil.copy(REPOSITORY / "stacks" / f"Pulumi.{client}.yaml", root / "stacks")
    return root


def audit_all(project: Path, out: Path, *more: str) -> int:
    return main(["--project", str(project), "audit", "--all", "--out", str(out), *more])


def summary(out: Path) -> FleetAudit:
    return FleetAudit.model_validate_json((out / SUMMARY_FILE).read_text())


def test_each_client_is_audited_in_its_own_account_with_the_assumed_role(
    two_accounts: None, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"

    code = audit_all(project, out, "--role-arn-template", ROLE_TEMPLATE, "--jobs", "2")

    assert code == 1  # globex fails
    fleet = summary(out)
    by_client = {client.client: client for client in fleet.clients}
    assert list(by_client) == list(CLIENTS)
    acme, globex = by_client["acme"], by_client["globex"]
    assert (acme.status, acme.account, acme.region) == ("passed", "111122223333", "eu-west-1")
    assert acme.credentials == "role arn:aws:iam::111122223333:role/toms-audit"
    assert (globex.status, globex.account, globex.region) == ("failed", "444455556666", "eu-central-1")
    assert globex.credentials == "role arn:aws:iam::444455556666:role/toms-audit"
    assert globex.message.startswith("not passing: ")
    assert fleet.role_arn_template == ROLE_TEMPLATE

    # One evidence file per client, the model the report reads, bound to the client's own account.
    acme_result = AuditResult.model_validate_json((out / "acme.json").read_text())
    globex_result = AuditResult.model_validate_json((out / "globex.json").read_text())
    assert (acme_result.account, acme_result.passed, acme_result.nothing_tagged) == (
        "111122223333",
        True,
        False,
    )
    assert (globex_result.account, globex_result.passed) == ("444455556666", False)
    assert acme.summary == acme_result.summary and globex.summary == globex_result.summary
    assert globex_result.summary.failed > 0
    assert {acme.evidence, globex.evidence} == {"acme.json", "globex.json"}

    stdout = capsys.readouterr().out
    assert "2 clients: 1 passed, 1 failed, 0 not audited" in stdout
    assert "globex: not passing: " in stdout


def test_credentials_that_reach_another_account_audit_nothing_and_leave_no_evidence(
    two_accounts: None, project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "evidence"
    out.mkdir()
    # An earlier run's evidence must not read as this run's.
    (out / "acme.json").write_text("{}")

    code = audit_all(project, out)  # the environment's credentials: moto's default account

    assert code == 2
    fleet = summary(out)
    assert [client.status for client in fleet.clients] == ["not audited", "not audited"]
    acme = fleet.clients[0]
    assert acme.credentials == "environment" and acme.evidence is None and acme.summary is None
    assert acme.message == (
        "the credentials reach account 123456789012 (aws); stacks/Pulumi.acme.yaml deploys acme only into "
        "account 111122223333 (aws) (the earlier acme.json was removed: it is not this run's evidence)"
    )
    assert sorted(path.name for path in out.iterdir()) == [SUMMARY_FILE]
    assert "2 clients: 0 passed, 0 failed, 2 not audited" in capsys.readouterr().out


def test_a_stack_names_its_own_profile(
    two_accounts: None, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack_file = project / "stacks" / "Pulumi.globex.yaml"
    stack_file.write_text(
        stack_file.read_text().replace("config:\n", "config:\n  aws:profile: globex-audit\n", 1)
    )
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[profile acme-audit]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    out = tmp_path / "evidence"

    code = audit_all(project, out, "--role-arn-template", ROLE_TEMPLATE)

    assert code == 2
    acme, globex = summary(out).clients
    assert acme.status == "passed"
    assert globex.status == "not audited"
    assert globex.message.startswith("stacks/Pulumi.globex.yaml: aws:profile: ")
    assert "globex-audit" in globex.message


def test_an_unreadable_stack_file_is_reported_and_the_others_are_audited(
    two_accounts: None, project: Path, tmp_path: Path
) -> None:
    (project / "stacks" / "Pulumi.initech.yaml").write_text("config:\n  toms:client: [unclosed\n")
    out = tmp_path / "evidence"

    code = audit_all(project, out, "--role-arn-template", ROLE_TEMPLATE)

    assert code == 2
    statuses = {client.client: client.status for client in summary(out).clients}
    assert statuses == {"acme": "passed", "globex": "failed", "initech": "not audited"}
    initech = summary(out).clients[2]
    assert "Pulumi.initech.yaml" in initech.message


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--all", "--out", "x", "--client", "acme"], "not allowed with argument"),
        (["--all", "--out", "x", "--json", "a.json"], "--json go with --client"),
        (["--all"], "--all needs --out DIR"),
        (["--all", "--out", "x", "--jobs", "0"], "--jobs 0: expected at least 1"),
        (
            ["--all", "--out", "x", "--role-arn-template", "arn:aws:iam::123:role/x"],
            "expected an IAM role ARN with {account}",
        ),
        (
            ["--all", "--out", "x", "--role-arn-template", "arn:aws:iam::{acount}:role/x"],
            "unknown placeholder {acount}",
        ),
        (["--client", "acme", "--out", "x"], "--out go with --all"),
    ],
)
def test_bad_fleet_options_are_refused_before_any_work(
    project: Path, tmp_path: Path, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(["--project", str(project), "audit", *arguments])
    except SystemExit as exit_:  # argparse refuses --all with --client itself
        code = int(str(exit_.code))

    assert code == 2
    assert message in capsys.readouterr().err
    assert not (Path.cwd() / "x").exists()


def test_the_fleet_summary_schema_is_checked_in() -> None:
    schema = json.loads((REPOSITORY / "toms" / "schemas" / "fleet-audit.schema.json").read_text())
    assert schema["title"] == "FleetAudit"
