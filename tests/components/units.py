"""One component on its own, under the AWS-like mocks: the client context, log policy and alert topic a
standalone component test hands it, and a runner that records every registration."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pulumi

from components.alarms import AlertTopic, AlertTopicArgs
from components.config import AlertsConfig
from components.context import ClientContext
from components.log_group import LogPolicy
from toms.offline.invoke_answers import AwsPlace
from toms.offline.mock_runtime import RecordingMonitor, RegisteredResource
from toms.offline.mocks import AwsLikeMocks

UNIT_ACCOUNT = "111122223333"
UNIT_REGION = "eu-west-1"
UNIT_CONTEXT = ClientContext(client="unit", account_id=UNIT_ACCOUNT, region=UNIT_REGION, partition="aws")
UNIT_KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"


def run_component(build: Callable[[], pulumi.Output[Any]]) -> tuple[Any, list[RegisteredResource]]:
    """Run `build` under the AWS-like mocks; return what its output resolves to and every registration."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = AwsLikeMocks(AwsPlace(region=UNIT_REGION, account=UNIT_ACCOUNT), preview=False)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project="toms", stack="unit", preview=False, monitor=monitor)
    resolved: list[Any] = []

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        return build().apply(resolved.append)

    try:
        program()
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    return resolved[0], monitor.registrations


def unit_log_policy() -> LogPolicy:
    return LogPolicy(
        retention_days=30,
        kms_key_arn=UNIT_KEY_ARN,
        export_destination_arn=UNIT_CONTEXT.arn("firehose", "deliverystream/toms-unit-log-export"),
        export_role_arn=UNIT_CONTEXT.role_arn("log-export"),
    )


def unit_alert_topic(email: str | None = None) -> AlertTopic:
    """The alert topic; only inside a `run_component` build."""
    return AlertTopic("unit", UNIT_CONTEXT, AlertTopicArgs(UNIT_KEY_ARN, AlertsConfig(email=email)))
