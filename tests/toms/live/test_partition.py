"""The live tools in the aws-us-gov and aws-cn partitions (moto answers STS and ARNs per partition): the
session learns the partition from STS, scopes and the client-key test use it, the evidence records it."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tests.toms.moto_baseline import client_tags, fake_aws_environment, in_account
from toms.live.auditor import run_audit
from toms.live.session import AwsSession

ACCOUNT = "210987654321"


@pytest.fixture
def moto() -> Iterator[None]:
    with fake_aws_environment(), mock_aws(), in_account(ACCOUNT):
        yield


@pytest.mark.parametrize(("region", "partition"), [("us-gov-west-1", "aws-us-gov"), ("cn-north-1", "aws-cn")])
def test_scopes_and_evidence_carry_the_sessions_partition(moto: None, region: str, partition: str) -> None:
    session = AwsSession(region)
    result = run_audit(session, "acme", None)

    assert (session.partition, result.partition, result.account) == (partition, partition, ACCOUNT)
    assert result.nothing_tagged
    scopes = {finding.resource for finding in result.findings}
    assert all(scope.startswith(f"arn:{partition}:") for scope in scopes), scopes
    assert f"arn:{partition}:rds:{region}:{ACCOUNT}:db:*" in scopes
    assert f"arn:{partition}:s3:::*" in scopes


def test_the_clients_key_is_recognised_in_its_partition(moto: None) -> None:
    region = "us-gov-west-1"
    tags = client_tags("acme")
    key = boto3.client("kms", region_name=region).create_key(
        Tags=[{"TagKey": name, "TagValue": value} for name, value in tags.items()]
    )["KeyMetadata"]["Arn"]
    logs = boto3.client("logs", region_name=region)
    logs.create_log_group(logGroupName="/toms/acme/app", kmsKeyId=key, tags=tags)
    logs.create_log_group(
        logGroupName="/toms/acme/commercial", kmsKeyId=key.replace("arn:aws-us-gov:", "arn:aws:"), tags=tags
    )

    findings = {
        finding.resource.rsplit(":", 1)[1]: finding
        for finding in run_audit(AwsSession(region), "acme", None).findings
        if finding.check == "log-group-kms"
    }

    assert findings["/toms/acme/app"].status == "PASS"
    assert findings["/toms/acme/app"].resource.startswith("arn:aws-us-gov:logs:")
    assert findings["/toms/acme/commercial"].status == "FAIL"
