"""CloudWatch Logs checks: against moto, `log-group-kms` passes only the client's own key; on answers written
out here, retention outside the pack's bounds fails and the export stream's own error log is the one log
group not exported.

The accounts hold only what the checks read: the client's tagged key (what the kms discovery finds), a second
key of the same account that is not the client's, and log groups encrypted with each, with another
account's key, or with none. moto accepts any key ARN on a log group, which is what lets a foreign key be
set at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.toms.live.checks.answers import fake_context
from tests.toms.moto_baseline import client_tags, fake_aws_environment, in_account, stack_config
from toms.live.auditor import run_audit
from toms.live.checks import Resource
from toms.live.checks import logs as logs_checks
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


class _Logs:
    def __init__(self, destinations: list[str]) -> None:
        self.destinations = destinations

    def get_paginator(self, operation: str) -> Any:
        destinations = self.destinations

        class Pages:
            def paginate(self, logGroupName: str) -> list[dict[str, Any]]:
                return [{"subscriptionFilters": [{"destinationArn": arn} for arn in destinations]}]

        return Pages()


class _Firehose:
    STREAM = "arn:aws:firehose:eu-west-1:111122223333:deliverystream/toms-acme-log-export"

    def list_delivery_streams(self, Limit: int) -> dict[str, Any]:
        return {"DeliveryStreamNames": ["toms-acme-log-export", "toms-other-log-export"]}

    def describe_delivery_stream(self, DeliveryStreamName: str) -> dict[str, Any]:
        assert DeliveryStreamName == "toms-acme-log-export", "another client's stream is never read"
        logging = {"Enabled": True, "LogGroupName": "/toms/acme/log-export-errors"}
        return {
            "DeliveryStreamDescription": {
                "DeliveryStreamARN": self.STREAM,
                "Destinations": [{"ExtendedS3DestinationDescription": {"CloudWatchLoggingOptions": logging}}],
            }
        }


def subscription_verdict(group: str, destinations: list[str]) -> tuple[bool, str]:
    clients = {"logs": _Logs(destinations), "firehose": _Firehose()}
    context = SimpleNamespace(client="acme", client_for=lambda service: clients[service])
    passed, _, message = logs_checks.subscription(
        context, Resource(f"arn:log-group:{group}", {"logGroupName": group})
    )
    return passed, message


def test_the_export_streams_own_error_log_passes_unexported_and_fails_exported_into_it() -> None:
    errors = "/toms/acme/log-export-errors"
    assert subscription_verdict(errors, []) == (
        True,
        "a stream's own delivery-error log, kept out of the export so it cannot loop",
    )
    assert subscription_verdict(errors, [_Firehose.STREAM]) == (
        False,
        "a stream's error log is exported into that stream: it loops",
    )
    # Any other group still needs its export.
    assert subscription_verdict("/toms/acme/service", []) == (
        False,
        "no subscription filter: events are not exported off the server",
    )


@pytest.mark.parametrize(
    ("resource", "expected_message"),
    [
        ({"retentionInDays": 3653}, "events kept 3653 days, outside 30-400"),
        ({"retentionInDays": 7}, "events kept 7 days, outside 30-400"),
        # One is one day, not "1 days".
        ({"retentionInDays": 1}, "events kept 1 day, outside 30-400"),
    ],
)
def test_retention_outside_the_packs_bounds_fails(resource: dict[str, Any], expected_message: str) -> None:
    passed, _, message = logs_checks.retention(fake_context(None), Resource("arn:aws:example", resource))
    assert (passed, message) == (False, expected_message)
