"""CloudWatch checks: the baseline's alarms exist, are enabled and notify the client's encrypted alert topic.
Verdicts on answers written out here; the moto-built accounts in tests/toms/live/test_audit.py run the same
check end to end."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from policies.toms_pack import standards
from toms.live.checks import Resource
from toms.live.checks import cloudwatch as cloudwatch_checks

TOPIC = "arn:aws:sns:eu-west-1:111122223333:toms-acme-alerts"


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
