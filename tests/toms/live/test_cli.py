"""`python -m toms audit` and `python -m toms restore-drill` as processes, against moto's server on 127.0.0.1.

The tools reach moto only through AWS_ENDPOINT_URL, with fake credentials, exactly as they would reach AWS.
The baselines are built in this process through the same server (ThreadedMotoServer shares moto's state
with the test, which is what lets `fail_deployments` reach its backend).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import pytest

from tests.toms.moto_baseline import (
    ENVIRONMENT_TO_CLEAR,
    FAKE_CREDENTIALS,
    REGION,
    REPOSITORY,
    Deployed,
    build_baseline,
    fail_deployments,
    in_account,
    moto_server,
    stack_config,
)
from toms.live.models import AuditResult

# A second client beside acme with nothing right, and no stack file: the audit falls back to the bounds.
UMBRELLA = stack_config("acme").model_copy(update={"client": "umbrella"})
ACME_ACCOUNT = stack_config("acme").account_id


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        build_baseline(stack_config("acme"))
        fail_deployments(build_baseline(UMBRELLA, compliant=False))
        globex = stack_config("globex")
        build_baseline(globex, deployed=replace(Deployed.from_config(globex), log_days=30))
        yield url


def toms(endpoint: str, *arguments: str, account: str = ACME_ACCOUNT) -> subprocess.CompletedProcess[str]:
    """Runs a tool as a process; moto's server, in this process, answers as `account`."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ENVIRONMENT_TO_CLEAR and not name.startswith("AWS_")
    }
    environment.update(FAKE_CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
    with in_account(account):
        return subprocess.run(
            [sys.executable, "-m", "toms", *arguments],
            cwd=REPOSITORY,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def test_audit_of_the_compliant_client_exits_0_with_evidence(endpoint: str, tmp_path: Path) -> None:
    result = toms(
        endpoint,
        "audit",
        "--client",
        "acme",
        "--json",
        str(tmp_path / "audit.json"),
        "--markdown",
        str(tmp_path / "audit.md"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "audit.json").read_text())
    # 6 database, 4 load balancer (two listeners, attributes, WAF), 3 service, 3 for each of the 7 log
    # groups, 4 archive, 4 trail, 2 key, 1 alert topic and one for each of its 21 alarms.
    assert report["summary"] == {"PASS": 66, "FAIL": 0, "ERROR": 0, "EXCEPTION": 0}
    assert (report["region"], report["expected_from"]) == (REGION, "stacks/Pulumi.acme.yaml")
    assert "66 PASS, 0 FAIL, 0 ERROR, 0 EXCEPTION" in result.stdout
    assert "Expected values from stacks/Pulumi.acme.yaml." in result.stdout
    assert "| PASS | kms-rotation |" in (tmp_path / "audit.md").read_text()
    assert AuditResult.model_validate_json((tmp_path / "audit.json").read_text()).summary.passed == 66


def test_audit_of_the_non_compliant_client_exits_1(endpoint: str, tmp_path: Path) -> None:
    result = toms(
        endpoint, "audit", "--region", REGION, "--client", "umbrella", "--json", str(tmp_path / "a.json")
    )

    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "a.json").read_text())
    assert report["expected_from"] == "pack default bounds"
    # The automated snapshot moto takes at creation is fresh, so rds-recent-snapshot passes here.
    failed = {finding["check"] for finding in report["findings"] if finding["status"] == "FAIL"}
    assert failed == {
        "rds-encryption",
        "rds-force-ssl",
        "rds-multi-az",
        "rds-backup-retention",
        "rds-deletion-protection",
        "lb-listeners",
        "lb-attributes",
        "lb-waf",
        "ecs-replicas",
        "ecs-circuit-breaker",
        "ecs-deployment-healthy",
        "log-group-retention",
        "log-group-kms",
        "log-group-subscription",
        "archive-object-lock",
        "archive-encryption",
        "archive-public-access-block",
        "archive-lifecycle",
        "cloudtrail-logging",
        "cloudtrail-validation",
        "cloudtrail-kms",
        "cloudtrail-archive-data-events",
        "kms-rotation",
        "kms-no-wildcard-use",
        "alert-topic-encrypted",
        "alarms-enabled",
    }


def test_audit_of_a_drifted_client_compares_with_its_stack_file_in_its_region(
    endpoint: str, tmp_path: Path
) -> None:
    globex = stack_config("globex").account_id
    result = toms(endpoint, "audit", "--client", "globex", "--json", str(tmp_path / "a.json"), account=globex)

    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "a.json").read_text())
    assert (report["region"], report["expected_from"]) == ("eu-central-1", "stacks/Pulumi.globex.yaml")
    failed = [finding for finding in report["findings"] if finding["status"] == "FAIL"]
    assert {finding["check"] for finding in failed} == {"log-group-retention"}
    assert {json.dumps(finding["observed"]) for finding in failed} == {
        json.dumps({"retention_in_days": {"expected": 365, "actual": 30}})
    }
    # The 7 log groups (the export stream's error log included) keep 30 days, not globex's 365.
    assert report["summary"] == {"PASS": 59, "FAIL": 7, "ERROR": 0, "EXCEPTION": 0}


def test_audit_without_a_region_exits_2_without_a_traceback(endpoint: str) -> None:
    result = subprocess.run(
        # umbrella has no stack file, which would otherwise name the region.
        [sys.executable, "-m", "toms", "audit", "--client", "umbrella"],
        cwd=REPOSITORY,
        env={
            "PATH": os.environ["PATH"],
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("toms audit: error: no AWS region")
    assert "Traceback" not in result.stderr


def test_restore_drill_passes_and_writes_evidence(endpoint: str, tmp_path: Path) -> None:
    evidence_file = tmp_path / "drill.json"

    result = toms(
        endpoint,
        "restore-drill",
        "--region",
        REGION,
        "--db-instance",
        "toms-acme",
        "--evidence",
        str(evidence_file),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    evidence = json.loads(evidence_file.read_text())
    assert evidence["result"] == "PASS"
    assert [step["name"] for step in evidence["steps"]] == [
        "restore",
        "wait-available",
        "verify",
        "delete",
        "wait-deleted",
    ]
    assert "PASS: restored toms-acme" in result.stdout
    rds = boto3.Session(region_name=REGION).client("rds", endpoint_url=endpoint)
    with in_account(ACME_ACCOUNT):
        identifiers = {
            instance["DBInstanceIdentifier"] for instance in rds.describe_db_instances()["DBInstances"]
        }
    assert identifiers == {"toms-acme", "toms-umbrella"}


def test_restore_drill_of_an_unknown_instance_exits_2(endpoint: str) -> None:
    result = toms(endpoint, "restore-drill", "--region", REGION, "--db-instance", "nope")

    assert result.returncode == 2
    assert (
        result.stderr.strip() == "toms restore-drill: error: no DB instance nope in this account and region"
    )
