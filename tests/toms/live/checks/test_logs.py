"""CloudWatch Logs checks against moto: `log-group-kms` passes only the client's own key.

The accounts hold only what the checks read: the client's tagged key (what the kms discovery finds), a second
key of the same account that is not the client's, and log groups encrypted with each, with another
account's key, or with none. moto accepts any key ARN on a log group, which is what lets a foreign key be
set at all.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tests.toms.moto_baseline import client_tags, fake_aws_environment, in_account, stack_config
from toms.live.auditor import run_audit
from toms.live.models import AuditFinding
from toms.live.session import AwsSession

ACME = stack_config("acme")


@pytest.fixture(scope="module")
def log_groups() -> Iterator[dict[str, str]]:
    with fake_aws_environment(), mock_aws(), in_account(ACME.account_id):
        kms = boto3.client("kms", region_name=ACME.region)
        tags = [{"TagKey": key, "TagValue": value} for key, value in client_tags("acme").items()]
        client_key = kms.create_key(Tags=tags)["KeyMetadata"]["Arn"]
        other_key = kms.create_key()["KeyMetadata"]["Arn"]
        foreign_key = client_key.replace(ACME.account_id, "999999999999")
        logs = boto3.client("logs", region_name=ACME.region)
        groups = {
            "client key": ("/toms/acme/app", client_key),
            "another key of the account": ("/toms/acme/other", other_key),
            "another account's key": ("/toms/acme/foreign", foreign_key),
            "no key": ("/toms/acme/plain", None),
        }
        for name, key in groups.values():
            logs.create_log_group(
                logGroupName=name, tags=client_tags("acme"), **({"kmsKeyId": key} if key else {})
            )
        yield {case: name for case, (name, _) in groups.items()}


def kms_findings() -> dict[str, AuditFinding]:
    with in_account(ACME.account_id):
        result = run_audit(AwsSession(ACME.region), "acme", ACME)
    return {
        finding.resource.split(":log-group:", 1)[1]: finding
        for finding in result.findings
        if finding.check == "log-group-kms"
    }


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("client key", "PASS", "encrypted with the client's key"),
        ("another key of the account", "FAIL", "encrypted with a KMS key that is not the client's own key"),
        ("another account's key", "FAIL", "encrypted with a KMS key that is not the client's own key"),
        ("no key", "FAIL", "not encrypted with a KMS key of the client"),
    ],
)
def test_log_group_kms_passes_only_the_clients_own_key(
    log_groups: dict[str, str], case: str, status: str, message: str
) -> None:
    finding = kms_findings()[log_groups[case]]
    assert (finding.status, finding.message) == (status, message)
