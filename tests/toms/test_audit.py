"""`toms audit` against moto, in process: a compliant and a non-compliant account, each finding asserted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from policies.toms_pack import catalogue, standards
from tests.toms.moto_baseline import (
    ENVIRONMENT_TO_CLEAR,
    FAKE_CREDENTIALS,
    REGION,
    Baseline,
    build_baseline,
    fail_deployments,
)
from toms import audit
from toms.__main__ import main
from toms.aws import AwsContext


@pytest.fixture
def fake_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ENVIRONMENT_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield


@pytest.fixture
def acme(fake_aws: None) -> Baseline:
    return build_baseline("acme", compliant=True)


@pytest.fixture
def globex(fake_aws: None) -> Baseline:
    baseline = build_baseline("globex", compliant=False)
    fail_deployments(baseline)
    return baseline


def expected_resources(baseline: Baseline) -> set[tuple[str, str]]:
    """Every (check, resource) the audit must report for one baseline: one resource of each kind."""
    pairs = {(check, baseline.db_arn) for check in audit.RDS_CHECKS}
    pairs |= {("lb-listeners", baseline.https_listener_arn), ("lb-listeners", baseline.http_listener_arn)}
    pairs.add(("lb-attributes", baseline.load_balancer_arn))
    pairs |= {(check, baseline.service_arn) for check in audit.ECS_CHECKS}
    pairs |= {(check, baseline.log_group_arn) for check in audit.LOG_GROUP_CHECKS}
    pairs |= {(check, f"arn:aws:s3:::{baseline.bucket}") for check in audit.ARCHIVE_CHECKS}
    pairs |= {(check, baseline.trail_arn) for check in audit.CLOUDTRAIL_CHECKS}
    pairs.add(("kms-rotation", baseline.key_arn))
    return pairs


def run_audit(client: str, now: datetime | None = None) -> list[audit.Finding]:
    aws = AwsContext(REGION)
    return audit.Audit(aws, client, now=lambda: now or datetime.now(UTC)).run()


def by_check(findings: list[audit.Finding], resource: str | None = None) -> dict[str, audit.Finding]:
    return {
        finding.check: finding for finding in findings if resource is None or finding.resource == resource
    }


def test_every_audit_check_serves_a_measure_and_every_catalogued_check_is_run() -> None:
    for check in audit.ALL_CHECKS:
        assert catalogue.measures_for_audit_check(check), check
    catalogued = {check for measure in catalogue.MEASURES for check in measure.audit_checks}
    assert catalogued - {catalogue.RESTORE_DRILL} == set(audit.ALL_CHECKS)


def test_compliant_account_passes_every_check_and_sees_only_its_client(
    acme: Baseline, globex: Baseline
) -> None:
    findings = run_audit("acme")

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(acme)
    assert [finding for finding in findings if finding.status != "PASS"] == []
    for finding in findings:
        assert finding.measures == [
            measure.id for measure in catalogue.measures_for_audit_check(finding.check)
        ]
        assert finding.measures


def test_compliant_findings_record_what_was_observed(acme: Baseline) -> None:
    findings = run_audit("acme")
    checks = by_check(findings, acme.db_arn)
    assert checks["rds-encryption"].observed == {
        "storage_encrypted": True,
        "kms_key_id": acme.key_arn,
        "key_manager": "CUSTOMER",
    }
    assert checks["rds-force-ssl"].observed["parameter_groups"] == {acme.parameter_group: "1"}
    assert checks["rds-backup-retention"].observed["backup_retention_days"] == 14
    assert checks["rds-recent-snapshot"].observed["newest_snapshot"].startswith(f"rds:{acme.db_instance}-")
    https = by_check(findings, acme.https_listener_arn)["lb-listeners"]
    assert https.observed["ssl_policy"] == standards.DEFAULT_TLS_POLICY
    http = by_check(findings, acme.http_listener_arn)["lb-listeners"]
    assert http.observed == {"protocol": "HTTP", "port": 80, "default_actions": ["redirect"]}
    assert by_check(findings, acme.service_arn)["ecs-replicas"].observed == {
        "desired_count": 2,
        "running_count": 2,
        "min_replicas": 2,
    }
    assert by_check(findings, acme.log_group_arn)["log-group-retention"].observed == {
        "retention_in_days": 90,
        "allowed_days": [30, 400],
    }
    lock = by_check(findings, f"arn:aws:s3:::{acme.bucket}")["archive-object-lock"]
    assert lock.observed["mode"] == "COMPLIANCE"
    assert lock.observed["days"] == 90


# Each check of the non-compliant account: the values the audit must observe.
NON_COMPLIANT_OBSERVATIONS: dict[str, dict[str, Any]] = {
    "rds-encryption": {"storage_encrypted": False},
    "rds-force-ssl": {"parameter_groups": {"globex-postgres16": "0"}},
    "rds-multi-az": {"multi_az": False},
    "rds-backup-retention": {"backup_retention_days": 0},
    "rds-deletion-protection": {"deletion_protection": False},
    "rds-recent-snapshot": {"age_hours": 30.0},
    "lb-attributes": {
        "deletion_protection.enabled": "false",
        "access_logs.s3.enabled": None,
        "routing.http.drop_invalid_header_fields.enabled": None,
    },
    "ecs-replicas": {"desired_count": 2, "running_count": 1},
    "ecs-circuit-breaker": {"circuit_breaker": False, "rollback": False},
    "log-group-retention": {"retention_in_days": None},
    "log-group-kms": {"kms_key_id": None},
    "log-group-subscription": {"subscription_destinations": []},
    "archive-object-lock": {"object_lock": "Disabled"},
    "archive-encryption": {"sse_algorithm": None},
    "archive-public-access-block": {"BlockPublicAcls": False, "RestrictPublicBuckets": False},
    "archive-lifecycle": {"expiring_rules": []},
    "cloudtrail-logging": {"is_logging": False},
    "cloudtrail-validation": {"log_file_validation": False},
    "cloudtrail-kms": {"kms_key_id": None},
    "kms-rotation": {"rotation": False},
}


def test_non_compliant_account_fails_every_check(globex: Baseline) -> None:
    # moto takes an automated snapshot even with backups off, and stamps it now; the audit's clock is moved
    # 30 hours on instead, which is what a stale snapshot looks like.
    findings = run_audit("globex", now=datetime.now(UTC) + timedelta(hours=30))

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(globex)
    assert {finding.status for finding in findings} == {"FAIL"}
    observed = by_check(findings)
    for check, expected in NON_COMPLIANT_OBSERVATIONS.items():
        for key, value in expected.items():
            assert observed[check].observed[key] == value, (check, key)
    https = by_check(findings, globex.https_listener_arn)["lb-listeners"]
    assert https.observed["ssl_policy"] == "ELBSecurityPolicy-2016-08"
    http = by_check(findings, globex.http_listener_arn)["lb-listeners"]
    assert http.observed["default_actions"] == ["forward"]
    deployment = by_check(findings, globex.service_arn)["ecs-deployment-healthy"]
    assert deployment.observed["deployments"][0]["rollout_state"] == "FAILED"


@pytest.mark.parametrize(
    ("verdict", "resource", "expected_message"),
    [
        (audit._rds_backup_retention, {"BackupRetentionPeriod": 3}, "backups kept 3 days, outside 7-35"),
        (audit._log_group_retention, {"retentionInDays": 3653}, "events kept 3653 days, outside 30-400"),
        (audit._log_group_retention, {"retentionInDays": 7}, "events kept 7 days, outside 30-400"),
    ],
)
def test_retention_outside_the_packs_bounds_fails(
    verdict: Any, resource: dict[str, Any], expected_message: str
) -> None:
    passed, _, message = verdict(resource)
    assert (passed, message) == (False, expected_message)


def test_a_database_key_managed_by_aws_fails_encryption(acme: Baseline) -> None:
    aws_context = AwsContext(REGION)

    # moto cannot create an AWS managed key; the key's description is rewritten to say it is one.
    def managed_by_aws(parsed: dict[str, Any], **_: Any) -> None:
        parsed["KeyMetadata"]["KeyManager"] = "AWS"

    aws_context.client("kms").meta.events.register("after-call.kms.DescribeKey", managed_by_aws)

    finding = by_check(audit.Audit(aws_context, "acme").run(), acme.db_arn)["rds-encryption"]

    assert finding.status == "FAIL"
    assert finding.observed["key_manager"] == "AWS"
    assert finding.message == "encrypted with an AWS managed key, not the client's key"


def refuse(aws_context: AwsContext, service: str, operation: str) -> None:
    """Makes one API operation answer AccessDenied, as a missing IAM permission would."""

    def access_denied(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": f"not authorized to perform {operation}"}},
            operation,
        )

    aws_context.client(service).meta.events.register(f"before-call.{service}.{operation}", access_denied)


def test_access_denied_on_one_call_is_an_error_and_the_audit_goes_on(acme: Baseline) -> None:
    aws_context = AwsContext(REGION)
    refuse(aws_context, "s3", "GetBucketEncryption")

    findings = audit.Audit(aws_context, "acme").run()

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(acme)
    errors = [finding for finding in findings if finding.status == "ERROR"]
    assert [(error.check, error.resource) for error in errors] == [
        ("archive-encryption", f"arn:aws:s3:::{acme.bucket}")
    ]
    assert errors[0].message == "AccessDenied: not authorized to perform GetBucketEncryption"
    assert errors[0].measures == ["storage"]
    assert all(finding.status == "PASS" for finding in findings if finding.status != "ERROR")


def test_access_denied_while_listing_is_an_error_for_each_check_of_that_kind(acme: Baseline) -> None:
    aws_context = AwsContext(REGION)
    refuse(aws_context, "cloudtrail", "ListTrails")

    findings = audit.Audit(aws_context, "acme").run()

    errors = [finding for finding in findings if finding.status == "ERROR"]
    assert [error.check for error in errors] == list(audit.CLOUDTRAIL_CHECKS)
    assert {error.resource for error in errors} == {f"arn:aws:cloudtrail:{REGION}:123456789012:trail/*"}
    assert all("cannot list CloudTrail trail: AccessDenied" in error.message for error in errors)
    assert sum(finding.status == "PASS" for finding in findings) == len(expected_resources(acme)) - 3


def test_a_client_with_nothing_deployed_fails_every_check(acme: Baseline) -> None:
    findings = run_audit("initech")

    assert sorted(finding.check for finding in findings) == sorted(audit.ALL_CHECKS)
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
        "region",
        "started_at",
        "finished_at",
        "summary",
        "findings",
    }
    assert report["tool"] == "toms audit"
    assert (report["client"], report["region"]) == ("acme", REGION)
    assert report["summary"] == {"PASS": len(expected_resources(acme)), "FAIL": 0, "ERROR": 0}
    assert datetime.fromisoformat(report["started_at"]) <= datetime.fromisoformat(report["finished_at"])
    assert set(report["findings"][0]) == {"check", "status", "resource", "measures", "observed", "message"}
    markdown = markdown_file.read_text()
    assert "| Status | Check | Measures | Resource | Observed | Message |" in markdown
    assert f"| PASS | rds-encryption | encryption, storage | `{acme.db_arn}` |" in markdown


def test_command_exits_1_on_any_failure(globex: Baseline, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--client", "globex"]) == 1
    output = capsys.readouterr().out
    assert "FAIL" in output
    assert "\x1b[" not in output  # no colour codes when the output is not a terminal


def test_missing_credentials_exit_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (*ENVIRONMENT_TO_CLEAR, *FAKE_CREDENTIALS):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    assert main(["audit", "--client", "acme", "--region", REGION]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "toms audit: error: no AWS credentials: "
        "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    ]
    assert main(["audit", "--client", "acme"]) == 2
    assert "no AWS region" in capsys.readouterr().err
