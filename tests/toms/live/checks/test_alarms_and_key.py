"""The live checks issue 18 adds: the key policy gives no use by wildcard, the baseline's alarms exist,
are enabled and notify the client's encrypted alert topic, and the export stream's own error log is the
one log group not exported. Verdicts on answers written out here; the moto-built accounts in
tests/toms/live/test_audit.py run the same checks end to end."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from policies.toms_pack import standards
from tests.toms.moto_baseline import WILDCARD_KEY_POLICY, client_key_policy, stack_config
from toms.live.checks import Resource
from toms.live.checks import cloudwatch as cloudwatch_checks
from toms.live.checks import kms as kms_checks
from toms.live.checks import logs as logs_checks

KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"
TOPIC = "arn:aws:sns:eu-west-1:111122223333:toms-acme-alerts"


class _Kms:
    def __init__(self, policy: dict[str, Any]) -> None:
        self.policy = policy

    def get_key_policy(self, KeyId: str, PolicyName: str) -> dict[str, Any]:
        assert (KeyId, PolicyName) == (KEY, "default")
        return {"Policy": json.dumps(self.policy)}


def key_verdict(policy: dict[str, Any]) -> tuple[bool, dict[str, Any], str]:
    context = SimpleNamespace(client_for=lambda service: _Kms(policy))
    passed, observed, message = kms_checks.no_wildcard_use(context, Resource(KEY, {}))
    return passed, observed, message


def statement(principal: Any, action: Any, sid: str = "Use") -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}


def test_the_programs_key_policy_passes() -> None:
    assert key_verdict(client_key_policy(stack_config("acme"))) == (
        True,
        {"wildcard_use_statements": {}},
        "use of the key is granted only to named principals and services",
    )


def test_the_key_policy_the_issue_found_fails_naming_its_statement() -> None:
    passed, observed, message = key_verdict(WILDCARD_KEY_POLICY)
    assert not passed
    assert "ServicesUseTheKeyForThisAccount" in observed["wildcard_use_statements"]
    assert message.endswith("ServicesUseTheKeyForThisAccount")


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::111122223333:root", "*"]}])
@pytest.mark.parametrize("action", ["kms:*", "*", "kms:Decrypt", ["kms:ReEncrypt*"], "kms:createGRANT"])
def test_any_spelling_of_everyone_using_the_key_fails(principal: Any, action: Any) -> None:
    policy = {"Statement": [statement(principal, action)]}
    assert key_verdict(policy)[0] is False


@pytest.mark.parametrize(
    "policy_statement",
    [
        # Everyone may describe the key: not use.
        statement({"AWS": "*"}, ["kms:DescribeKey", "kms:GetKeyPolicy"]),
        # Use, but by a named role.
        statement({"AWS": "arn:aws:iam::111122223333:role/toms-acme-task"}, "kms:Decrypt"),
        # A deny for everyone takes nothing away from the check.
        {**statement("*", "kms:*"), "Effect": "Deny"},
    ],
)
def test_named_use_descriptions_and_denies_pass(policy_statement: dict[str, Any]) -> None:
    assert key_verdict({"Statement": [policy_statement]})[0] is True


class _CloudWatch:
    def __init__(self, alarms: list[dict[str, Any]]) -> None:
        self.alarms = alarms

    def get_paginator(self, operation: str) -> Any:
        assert operation == "describe_alarms"
        alarms = self.alarms

        class Pages:
            def paginate(self, AlarmNames: list[str], AlarmTypes: list[str]) -> list[dict[str, Any]]:
                assert len(AlarmNames) <= 100 and AlarmTypes == ["MetricAlarm"]
                return [{"MetricAlarms": [alarm for alarm in alarms if alarm["AlarmName"] in AlarmNames]}]

        return Pages()


def alarm(purpose: str, **changes: Any) -> dict[str, Any]:
    name = f"toms-acme-{purpose}"
    return {
        "AlarmName": name,
        "AlarmArn": f"arn:aws:cloudwatch:eu-west-1:111122223333:alarm:{name}",
        "ActionsEnabled": True,
        "AlarmActions": [TOPIC],
        **changes,
    }


def alarm_verdicts(alarms: list[dict[str, Any]]) -> dict[str, tuple[bool, str]]:
    session = SimpleNamespace(
        arn=lambda service, resource: f"arn:aws:{service}:eu-west-1:111122223333:{resource}"
    )
    context = SimpleNamespace(client="acme", session=session, client_for=lambda service: _CloudWatch(alarms))
    return {
        item.resource.rsplit(":", 1)[-1]: (item.verdict.passed, item.verdict.message)
        for item in cloudwatch_checks.alarms_enabled(context, Resource(TOPIC, {}))
    }


def test_every_baseline_alarm_enabled_and_notifying_passes() -> None:
    verdicts = alarm_verdicts([alarm(purpose) for purpose in standards.BASELINE_ALARMS])
    assert len(verdicts) == len(standards.BASELINE_ALARMS)
    assert all(passed for passed, _ in verdicts.values())


def test_a_missing_disabled_or_silent_alarm_fails_on_its_own() -> None:
    alarms = [
        alarm(purpose) for purpose in standards.BASELINE_ALARMS if purpose != standards.ALARM_EXPORT_STALE
    ]
    alarms = [
        alarm(item["AlarmName"].removeprefix("toms-acme-"), ActionsEnabled=False)
        if item["AlarmName"].endswith(standards.ALARM_TASKS_BELOW_REPLICAS)
        else alarm(item["AlarmName"].removeprefix("toms-acme-"), AlarmActions=[])
        if item["AlarmName"].endswith(standards.ALARM_DATABASE_STORAGE)
        else item
        for item in alarms
    ]
    failed = {name: message for name, (passed, message) in alarm_verdicts(alarms).items() if not passed}
    assert failed == {
        f"toms-acme-{standards.ALARM_EXPORT_STALE}": f"alarm toms-acme-{standards.ALARM_EXPORT_STALE} does not exist",
        f"toms-acme-{standards.ALARM_TASKS_BELOW_REPLICAS}": "its actions are disabled: it notifies no one",
        f"toms-acme-{standards.ALARM_DATABASE_STORAGE}": "does not notify the client's alert topic",
    }


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
