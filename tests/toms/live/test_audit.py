"""`toms audit` against moto, in process: a compliant and a non-compliant account, each finding asserted.

Each client lives in the account its stack file deploys into (`in_account`); acme's is the default here."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from components.config import ClientConfig
from policies.toms_pack import catalogue, standards
from tests.toms.moto_baseline import (
    ENVIRONMENT_TO_CLEAR,
    FAKE_CREDENTIALS,
    REGION,
    REPOSITORY,
    Baseline,
    Deployed,
    build_baseline,
    fail_deployments,
    fake_aws_environment,
    in_account,
    stack_config,
)
from toms.__main__ import main
from toms.live import auditor
from toms.live.checks import CHECKS, load_checks
from toms.live.models import AuditFinding, AuditResult
from toms.live.session import AwsSession


def checks_of(service: str) -> tuple[str, ...]:
    return tuple(check.id for check in load_checks().values() if check.service == service)


RDS_CHECKS, ECS_CHECKS = checks_of("rds"), checks_of("ecs")
LOG_GROUP_CHECKS, ARCHIVE_CHECKS, CLOUDTRAIL_CHECKS = (
    checks_of("logs"),
    checks_of("s3"),
    checks_of("cloudtrail"),
)
ALL_CHECKS = tuple(load_checks())
ACME_ACCOUNT = stack_config("acme").account_id


ACME_STACK = (REPOSITORY / "stacks/Pulumi.acme.yaml").read_text(encoding="utf-8")
# A second client in acme's account and region, with nothing right: the audit of acme must not see it.
UMBRELLA = stack_config("acme").model_copy(update={"client": "umbrella"})
# globex as deployed before its stack file raised its retention, replicas and TLS policy: every value is
# within the pack's bounds, and each differs from stacks/Pulumi.globex.yaml.
GLOBEX_DRIFTED = Deployed(
    log_days=30,
    backup_days=7,
    archive_days=90,
    lock_mode="GOVERNANCE",
    replicas=2,
    tls_policy=standards.DEFAULT_TLS_POLICY,
    multi_az=True,
)


@dataclass(frozen=True)
class Accounts:
    acme: Baseline
    umbrella: Baseline
    globex: Baseline


@pytest.fixture(scope="module")
def accounts() -> Iterator[Accounts]:
    """Built once for the module: an audit only reads, so every test shares these accounts. moto answers as
    acme's account unless a test says otherwise."""
    with fake_aws_environment(), mock_aws(), in_account(ACME_ACCOUNT):
        umbrella = build_baseline(UMBRELLA, compliant=False)
        fail_deployments(umbrella)
        yield Accounts(
            acme=build_baseline(stack_config("acme")),
            umbrella=umbrella,
            globex=build_baseline(stack_config("globex"), deployed=GLOBEX_DRIFTED),
        )


@pytest.fixture
def acme(accounts: Accounts) -> Baseline:
    return accounts.acme


@pytest.fixture
def umbrella(accounts: Accounts) -> Baseline:
    return accounts.umbrella


@pytest.fixture
def globex(accounts: Accounts) -> Baseline:
    return accounts.globex


def expected_resources(baseline: Baseline) -> set[tuple[str, str]]:
    """Every (check, resource) the audit must report for one baseline."""
    pairs = {(check, baseline.db_arn) for check in RDS_CHECKS}
    pairs |= {("lb-listeners", baseline.https_listener_arn), ("lb-listeners", baseline.http_listener_arn)}
    pairs.add(("lb-attributes", baseline.load_balancer_arn))
    pairs.add(("lb-waf", baseline.load_balancer_arn))
    pairs |= {(check, baseline.service_arn) for check in ECS_CHECKS}
    pairs |= {(check, arn) for check in LOG_GROUP_CHECKS for arn in baseline.log_group_arns}
    pairs |= {(check, f"arn:aws:s3:::{baseline.bucket}") for check in ARCHIVE_CHECKS}
    pairs |= {(check, baseline.trail_arn) for check in CLOUDTRAIL_CHECKS}
    pairs |= {("kms-rotation", baseline.key_arn), ("kms-no-wildcard-use", baseline.key_arn)}
    pairs.add(("alert-topic-encrypted", baseline.alert_topic_arn))
    pairs |= {("alarms-enabled", arn) for arn in baseline.alarm_arns}
    return pairs


def audit_result(
    client: str,
    expected: ClientConfig | None,
    region: str = REGION,
    now: datetime | None = None,
    account: str = ACME_ACCOUNT,
    session: AwsSession | None = None,
) -> AuditResult:
    with in_account(account):
        return auditor.run_audit(
            session or AwsSession(region), client, expected, now=lambda: now or datetime.now(UTC)
        )


def run_audit(
    client: str, expected: ClientConfig | None, region: str = REGION, now: datetime | None = None
) -> list[AuditFinding]:
    account = expected.account_id if expected is not None else ACME_ACCOUNT
    return audit_result(client, expected, region, now, account).findings


def by_check(findings: list[AuditFinding], resource: str | None = None) -> dict[str, AuditFinding]:
    return {
        finding.check: finding for finding in findings if resource is None or finding.resource == resource
    }


def test_every_audit_check_serves_a_measure_and_every_catalogued_check_is_run() -> None:
    for check in ALL_CHECKS:
        assert catalogue.measures_for_audit_check(check), check
    catalogued = {check for measure in catalogue.MEASURES for check in measure.audit_checks}
    assert catalogued - {catalogue.RESTORE_DRILL} == set(CHECKS)


def test_compliant_account_passes_every_check_and_sees_only_its_client(
    acme: Baseline, umbrella: Baseline
) -> None:
    findings = run_audit("acme", stack_config("acme"))

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(acme)
    assert [finding for finding in findings if finding.status != "PASS"] == []
    for finding in findings:
        assert finding.measures == [
            measure.id for measure in catalogue.measures_for_audit_check(finding.check)
        ]
        assert finding.measures


def test_compliant_findings_record_what_was_expected_and_observed(acme: Baseline) -> None:
    findings = run_audit("acme", stack_config("acme"))
    checks = by_check(findings, acme.db_arn)
    assert checks["rds-encryption"].observed == {
        "storage_encrypted": True,
        "kms_key_id": acme.key_arn,
    }
    assert checks["rds-force-ssl"].observed["parameter_groups"] == {acme.parameter_group: "1"}
    assert checks["rds-multi-az"].observed == {"multi_az": {"expected": True, "actual": True}}
    assert checks["rds-backup-retention"].observed == {
        "backup_retention_days": {"expected": 14, "actual": 14}
    }
    assert (
        checks["rds-backup-retention"].message
        == "automated backups kept 14 days, as retention.backupDays says"
    )
    assert checks["rds-recent-snapshot"].observed["newest_snapshot"].startswith(f"rds:{acme.db_instance}-")
    https = by_check(findings, acme.https_listener_arn)["lb-listeners"]
    assert https.observed["ssl_policy"] == {
        "expected": standards.DEFAULT_TLS_POLICY,
        "actual": standards.DEFAULT_TLS_POLICY,
    }
    http = by_check(findings, acme.http_listener_arn)["lb-listeners"]
    assert http.observed == {"protocol": "HTTP", "port": 80, "default_actions": ["redirect"]}
    assert by_check(findings, acme.load_balancer_arn)["lb-attributes"].observed == {
        "deletion_protection.enabled": "true",
        "access_logs.s3.enabled": "true",
        "routing.http.drop_invalid_header_fields.enabled": "true",
        "routing.http.desync_mitigation_mode": "strictest",
        "access_logs.s3.bucket": acme.access_logs_bucket,
    }
    assert by_check(findings, acme.service_arn)["ecs-replicas"].observed == {
        "desired_count": {"expected_at_least": 2, "actual": 2},
        "running_count": {"expected": 2, "actual": 2},
    }
    for arn in acme.log_group_arns:
        assert by_check(findings, arn)["log-group-retention"].observed == {
            "retention_in_days": {"expected": 90, "actual": 90}
        }
    archive = by_check(findings, f"arn:aws:s3:::{acme.bucket}")
    lock = archive["archive-object-lock"].observed
    assert lock["object_lock"] == "Enabled"
    assert (lock["mode"], lock["days"]) == (
        {"expected": "COMPLIANCE", "actual": "COMPLIANCE"},
        {"expected": 90, "actual": 90},
    )
    lifecycle = archive["archive-lifecycle"].observed
    assert lifecycle["expiration_days"] == {"expected": 90, "actual": 90}
    assert lifecycle["noncurrent_days"] == {"expected": 1, "actual": 1}
    assert lifecycle["rules"] == [
        {"id": "expire-after-retention", "whole_bucket": True, "expiration_days": 90, "noncurrent_days": 1}
    ]


def test_drift_from_the_stack_file_fails_with_expected_and_actual(globex: Baseline) -> None:
    findings = run_audit("globex", stack_config("globex"), region=globex.region)

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(globex)
    failed = {(finding.check, finding.resource): finding for finding in findings if finding.status == "FAIL"}
    archive = f"arn:aws:s3:::{globex.bucket}"
    assert set(failed) == {
        ("rds-backup-retention", globex.db_arn),
        ("lb-listeners", globex.https_listener_arn),
        ("ecs-replicas", globex.service_arn),
        ("archive-object-lock", archive),
        ("archive-lifecycle", archive),
        *(("log-group-retention", arn) for arn in globex.log_group_arns),
    }
    assert {finding.status for finding in findings} == {"PASS", "FAIL"}
    backups = failed[("rds-backup-retention", globex.db_arn)]
    assert backups.observed == {"backup_retention_days": {"expected": 35, "actual": 7}}
    assert backups.message == "backups kept 7 days; expected 35 (retention.backupDays)"
    https = failed[("lb-listeners", globex.https_listener_arn)]
    assert https.observed["ssl_policy"] == {
        "expected": "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "actual": standards.DEFAULT_TLS_POLICY,
    }
    assert https.message.endswith("expected ELBSecurityPolicy-TLS13-1-3-2021-06 (loadBalancer.tlsPolicy)")
    replicas = failed[("ecs-replicas", globex.service_arn)]
    assert replicas.observed["desired_count"] == {"expected_at_least": 3, "actual": 2}
    assert replicas.message == "desired count 2 is below 3 replicas (service.replicas)"
    lock = failed[("archive-object-lock", archive)]
    assert (lock.observed["mode"], lock.observed["days"]) == (
        {"expected": "COMPLIANCE", "actual": "GOVERNANCE"},
        {"expected": 400, "actual": 90},
    )
    assert lock.message == (
        "default retention: mode GOVERNANCE, expected COMPLIANCE (archive.lockMode); "
        "90 days, expected 400 (retention.archiveDays)"
    )
    lifecycle = failed[("archive-lifecycle", archive)]
    assert lifecycle.observed["expiration_days"] == {"expected": 400, "actual": 90}
    assert lifecycle.message == "objects expire after 90 days, expected 400 days (retention.archiveDays)"
    for arn in globex.log_group_arns:
        retention = failed[("log-group-retention", arn)]
        assert retention.observed == {"retention_in_days": {"expected": 365, "actual": 30}}
        assert retention.message == "events kept 30 days; expected 365 (retention.logDays)"


def test_the_same_drift_passes_the_pack_default_bounds(globex: Baseline) -> None:
    findings = audit_result("globex", None, region=globex.region, account=globex.account).findings

    assert [finding for finding in findings if finding.status != "PASS"] == []
    retention = by_check(findings, globex.db_arn)["rds-backup-retention"]
    assert retention.observed == {"backup_retention_days": {"allowed": [7, 35], "actual": 7}}


# Each check of the non-compliant account: the values the audit must observe.
NON_COMPLIANT_OBSERVATIONS: dict[str, dict[str, Any]] = {
    "rds-encryption": {"storage_encrypted": False},
    "rds-force-ssl": {"parameter_groups": {"toms-umbrella-postgres16": "0"}},
    "rds-multi-az": {"multi_az": {"expected": True, "actual": False}},
    "rds-backup-retention": {"backup_retention_days": {"allowed": [7, 35], "actual": 0}},
    "rds-deletion-protection": {"deletion_protection": False},
    "rds-recent-snapshot": {"age_hours": 30.0},
    "lb-attributes": {
        "deletion_protection.enabled": "false",
        "access_logs.s3.enabled": None,
        "routing.http.drop_invalid_header_fields.enabled": None,
        "routing.http.desync_mitigation_mode": None,
    },
    "ecs-replicas": {"running_count": {"expected": 2, "actual": 1}},
    "ecs-circuit-breaker": {"circuit_breaker": False, "rollback": False},
    "log-group-retention": {"retention_in_days": {"allowed": [30, 400], "actual": None}},
    "log-group-kms": {"kms_key_id": None},
    "log-group-subscription": {"subscription_destinations": []},
    "archive-object-lock": {"object_lock": "Disabled"},
    "archive-encryption": {"sse_algorithm": None},
    "archive-public-access-block": {"BlockPublicAcls": False, "RestrictPublicBuckets": False},
    "archive-lifecycle": {"rules": []},
    "cloudtrail-logging": {"is_logging": False},
    "cloudtrail-validation": {"log_file_validation": False},
    "cloudtrail-kms": {"kms_key_id": None},
    "kms-rotation": {"rotation": False},
}


def test_non_compliant_account_fails_every_check(umbrella: Baseline) -> None:
    # moto takes an automated snapshot even with backups off, and stamps it now; the audit's clock is moved
    # 30 hours on instead, which is what a stale snapshot looks like.
    findings = run_audit("umbrella", None, now=datetime.now(UTC) + timedelta(hours=30))

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(umbrella)
    assert {finding.status for finding in findings} == {"FAIL"}
    observed = by_check(findings)
    for check, expected in NON_COMPLIANT_OBSERVATIONS.items():
        for key, value in expected.items():
            assert observed[check].observed[key] == value, (check, key)
    https = by_check(findings, umbrella.https_listener_arn)["lb-listeners"]
    assert https.observed["ssl_policy"]["actual"] == "ELBSecurityPolicy-2016-08"
    http = by_check(findings, umbrella.http_listener_arn)["lb-listeners"]
    assert http.observed["default_actions"] == ["forward"]
    deployment = by_check(findings, umbrella.service_arn)["ecs-deployment-healthy"]
    assert deployment.observed["deployments"][0]["rollout_state"] == "FAILED"


def test_a_database_key_that_is_not_the_clients_fails_encryption(acme: Baseline) -> None:
    session = AwsSession(REGION)
    other_account_key = acme.key_arn.replace(acme.account, "999999999999")

    # moto keeps the key the instance was created with; the answer is rewritten to another account's key.
    def foreign_key(parsed: dict[str, Any], **_: Any) -> None:
        for instance in parsed.get("DBInstances", []):
            instance["KmsKeyId"] = other_account_key

    session.client("rds").meta.events.register("after-call.rds.DescribeDBInstances", foreign_key)

    finding = by_check(audit_result("acme", None, session=session).findings, acme.db_arn)["rds-encryption"]

    assert finding.status == "FAIL"
    assert finding.observed["kms_key_id"] == other_account_key
    assert finding.message == "encrypted with a key that is not the client's own key"


def refuse(session: AwsSession, service: str, operation: str) -> None:
    """Makes one API operation answer AccessDenied, as a missing IAM permission would."""

    def access_denied(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": f"not authorized to perform {operation}"}},
            operation,
        )

    session.client(service).meta.events.register(f"before-call.{service}.{operation}", access_denied)


def test_access_denied_on_one_call_is_an_error_and_the_audit_goes_on(acme: Baseline) -> None:
    session = AwsSession(REGION)
    refuse(session, "s3", "GetBucketEncryption")

    findings = audit_result("acme", stack_config("acme"), session=session).findings

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(acme)
    errors = [finding for finding in findings if finding.status == "ERROR"]
    assert [(error.check, error.resource) for error in errors] == [
        ("archive-encryption", f"arn:aws:s3:::{acme.bucket}")
    ]
    assert errors[0].message == "AccessDenied: not authorized to perform GetBucketEncryption"
    assert errors[0].measures == ["storage"]
    assert all(finding.status == "PASS" for finding in findings if finding.status != "ERROR")


def test_access_denied_while_listing_is_an_error_for_each_check_of_that_kind(acme: Baseline) -> None:
    session = AwsSession(REGION)
    refuse(session, "cloudtrail", "ListTrails")

    findings = audit_result("acme", stack_config("acme"), session=session).findings

    errors = [finding for finding in findings if finding.status == "ERROR"]
    assert [error.check for error in errors] == list(CLOUDTRAIL_CHECKS)
    assert {error.resource for error in errors} == {f"arn:aws:cloudtrail:{REGION}:{ACME_ACCOUNT}:trail/*"}
    assert all("cannot list CloudTrail trails: AccessDenied" in error.message for error in errors)
    passes = sum(finding.status == "PASS" for finding in findings)
    assert passes == len(expected_resources(acme)) - len(CLOUDTRAIL_CHECKS)


def test_a_client_with_nothing_deployed_fails_every_check(acme: Baseline) -> None:
    findings = run_audit("initech", None)

    assert sorted(finding.check for finding in findings) == sorted(ALL_CHECKS)
    assert {finding.status for finding in findings} == {"FAIL"}
    assert all("no " in finding.message and "client=initech" in finding.message for finding in findings)


def test_command_writes_json_and_markdown_and_exits_0_when_all_pass(acme: Baseline, tmp_path: Path) -> None:
    json_file, markdown_file = tmp_path / "audit.json", tmp_path / "audit.md"

    code = main(["audit", "--client", "acme", "--json", str(json_file), "--markdown", str(markdown_file)])

    assert code == 0
    report = json.loads(json_file.read_text())
    assert set(report) == {
        "tool",
        "toms_version",
        "client",
        "account",
        "partition",
        "region",
        "expected_from",
        "nothing_tagged",
        "started_at",
        "finished_at",
        "summary",
        "findings",
    }
    assert report["tool"] == "toms audit"
    assert (report["client"], report["account"], report["partition"], report["region"]) == (
        "acme",
        ACME_ACCOUNT,
        "aws",
        REGION,
    )
    assert report["expected_from"] == "stacks/Pulumi.acme.yaml"
    assert report["summary"] == {
        "PASS": len(expected_resources(acme)),
        "FAIL": 0,
        "ERROR": 0,
        "EXCEPTION": 0,
    }
    assert datetime.fromisoformat(report["started_at"]) <= datetime.fromisoformat(report["finished_at"])
    assert set(report["findings"][0]) == {"check", "status", "resource", "measures", "observed", "message"}
    markdown = markdown_file.read_text()
    assert "Expected values from stacks/Pulumi.acme.yaml." in markdown
    assert "| Status | Check | Measures | Resource | Observed | Message |" in markdown
    assert f"| PASS | rds-encryption | encryption, storage | {acme.db_arn} |" in markdown
    # The evidence report reads this file as it is.
    assert AuditResult.model_validate_json(json_file.read_text()).expected_from == "stacks/Pulumi.acme.yaml"


def test_command_exits_1_on_any_failure_and_says_when_it_has_no_stack_file(
    umbrella: Baseline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_file = tmp_path / "audit.json"

    assert main(["audit", "--client", "umbrella", "--json", str(json_file)]) == 1

    output = capsys.readouterr().out
    assert "FAIL" in output
    assert "No stack file for umbrella: retention, replicas and TLS policy are checked against the pack" in (
        " ".join(output.split())
    )
    assert "\x1b[" not in output  # no colour codes when the output is not a terminal
    assert json.loads(json_file.read_text())["expected_from"] == "pack default bounds"


def test_command_compares_with_a_given_stack_file_in_its_region(
    globex: Baseline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The stack file decides the region: no --region, and AWS_REGION (acme's) is not used.
    given = tmp_path / "globex.yaml"
    given.write_text((REPOSITORY / "stacks/Pulumi.globex.yaml").read_text())
    json_file = tmp_path / "audit.json"

    with in_account(globex.account):
        assert (
            main(["audit", "--client", "globex", "--stack-file", str(given), "--json", str(json_file)]) == 1
        )

    report = json.loads(json_file.read_text())
    assert (report["region"], report["expected_from"]) == (globex.region, str(given))
    assert report["summary"]["FAIL"] == 5 + len(globex.log_group_arns)
    assert f"Expected values from {given}." in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize(
    ("stack_text", "arguments", "expected_error"),
    [
        (
            None,
            ["--client", "acme", "--stack-file", "{tmp}/missing.yaml"],
            "toms audit: error: {tmp}/missing.yaml: no such stack file",
        ),
        (
            "config: [not, a, mapping]",
            ["--client", "acme", "--stack-file", "{tmp}/stack.yaml"],
            "toms audit: error: {tmp}/stack.yaml: config: expected a mapping of namespaced keys to values",
        ),
        (
            ACME_STACK,
            ["--client", "globex", "--stack-file", "{tmp}/stack.yaml"],
            "toms audit: error: {tmp}/stack.yaml: toms:client: the stack file is for 'acme'; expected 'globex' "
            "(--client)",
        ),
        (
            None,
            ["--client", "acme", "--region", "eu-central-1"],
            "toms audit: error: --region eu-central-1: stacks/Pulumi.acme.yaml deploys acme to eu-west-1; "
            "expected that region or no --region",
        ),
    ],
)
def test_a_stack_file_the_audit_cannot_use_exits_2_naming_file_and_key(
    stack_text: str | None,
    arguments: list[str],
    expected_error: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if stack_text is not None:
        (tmp_path / "stack.yaml").write_text(stack_text)

    assert main(["audit", *(argument.format(tmp=tmp_path) for argument in arguments)]) == 2

    error = capsys.readouterr().err
    assert error.splitlines()[0] == expected_error.format(tmp=tmp_path)
    assert "Traceback" not in error


def test_a_bad_stack_value_names_the_key_and_the_expectation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = tmp_path / "stack.yaml"
    stack.write_text(
        (REPOSITORY / "stacks/Pulumi.acme.yaml").read_text().replace("logDays: 90", "logDays: 10")
    )

    assert main(["audit", "--client", "acme", "--stack-file", str(stack)]) == 2

    assert "toms:retention.logDays: got 10; expected a number of days CloudWatch Logs accepts" in (
        capsys.readouterr().err
    )


def test_missing_credentials_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Outside moto: every AWS_ variable goes (container and web-identity credentials, endpoints...), so
    # nothing from the environment can give this run real credentials.
    for name in (*ENVIRONMENT_TO_CLEAR, *FAKE_CREDENTIALS, *(n for n in os.environ if n.startswith("AWS_"))):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    assert main(["audit", "--client", "acme", "--region", REGION]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "toms audit: error: no AWS credentials: "
        "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    ]
    assert main(["audit", "--client", "umbrella"]) == 2
    assert "no AWS region" in capsys.readouterr().err


def test_a_client_with_nothing_tagged_gets_one_message_naming_tag_account_region_and_known_clients(
    acme: Baseline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    initech = stack_config("initech")
    json_file = tmp_path / "audit.json"

    with in_account(initech.account_id):
        assert main(["audit", "--client", "initech", "--json", str(json_file)]) == 1

    output = capsys.readouterr().out
    assert (
        f"FAIL: nothing in account {initech.account_id}, region {initech.region} carries the tags "
        "client=initech and managed-by=pulumi: is 'initech' deployed there? The stack files define the "
        "clients: acme, globex, initech." in output
    )
    assert "rds-encryption" not in output  # one message, not a FAIL per check
    result = AuditResult.model_validate_json(json_file.read_text())
    assert result.nothing_tagged
    assert result.summary.failed == len(ALL_CHECKS) and not result.passed


def test_a_client_with_some_resources_is_not_nothing_tagged(acme: Baseline) -> None:
    assert not audit_result("acme", stack_config("acme")).nothing_tagged


@pytest.mark.parametrize(
    ("option", "path", "expected"),
    [
        (
            "--json",
            "{tmp}/missing/audit.json",
            "--json {tmp}/missing/audit.json: the folder {tmp}/missing does not exist",
        ),
        ("--markdown", "{tmp}", "--markdown {tmp}: is a folder; expected a file name"),
    ],
)
def test_output_paths_are_checked_before_any_work(
    option: str,
    path: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_aws(*_: Any) -> None:
        raise AssertionError("the audit reached AWS before checking its output paths")

    monkeypatch.setattr("toms.live.audit.AwsSession", no_aws)

    assert main(["audit", "--client", "acme", option, path.format(tmp=tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"toms audit: error: {expected.format(tmp=tmp_path)}"


def test_output_without_a_terminal_keeps_every_arn_and_message_whole(
    acme: Baseline, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "--client", "acme"]) == 0

    lines = capsys.readouterr().out.splitlines()
    result = audit_result("acme", stack_config("acme"))
    longest = max(result.findings, key=lambda finding: len(finding.resource))
    assert len(longest.resource) > 80
    for finding in result.findings:
        assert f"  resource: {finding.resource}" in lines
        assert f"  message: {finding.message}" in lines


def test_credentials_of_another_account_than_the_stack_files_are_refused_before_any_check(
    acme: Baseline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_file = tmp_path / "audit.json"

    with in_account("123456789012"):
        assert main(["audit", "--client", "acme", "--json", str(json_file)]) == 2

    assert capsys.readouterr().err.strip() == (
        "toms audit: error: the credentials reach account 123456789012 (aws); stacks/Pulumi.acme.yaml deploys "
        "acme only into account 111122223333 (aws)"
    )
    assert not json_file.exists()
