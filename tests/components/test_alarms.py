"""The alert topic and every alarm of the baseline, as the real program registers them: each failure the
issue names has an alarm, every alarm notifies the client's encrypted topic, and the trail's CIS filters
each have one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.alarms import CIS_FILTERS, CIS_NAMESPACE
from components.config import AlertsConfig
from policies.toms_pack import standards
from tests.components.program_reading import (
    LOG_GROUP,
    METRIC_ALARM,
    client_config,
    client_key_arn,
    one,
    problems_for,
    stack_file,
)
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramRun, RegisteredResource, run_program
from toms.project import flatten_stack_config

TOPIC = "aws:sns/topic:Topic"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
METRIC_FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter"


def alarms(run: ProgramRun) -> dict[str, RegisteredResource]:
    """Every alarm by its purpose (its name without `toms-<client>-`)."""
    prefix = f"toms-{client_config(run).client}-"
    found = {alarm.inputs["name"].removeprefix(prefix): alarm for alarm in run.of_type(METRIC_ALARM)}
    assert all(alarm.inputs["name"].startswith(prefix) for alarm in found.values())
    return found


def topic_arn(run: ProgramRun) -> str:
    arn: str = one(run, TOPIC).outputs["arn"]
    return arn


def test_the_alert_topic_is_encrypted_with_the_client_key_and_takes_only_this_accounts_alarms(
    stack_run: ProgramRun,
) -> None:
    config = client_config(stack_run)
    topic = one(stack_run, TOPIC)
    assert topic.inputs["name"] == f"toms-{config.client}-alerts"
    assert topic.inputs["kmsMasterKeyId"] == client_key_arn(stack_run)
    policy = json.loads(one(stack_run, TOPIC_POLICY).inputs["policy"])
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    publish = statements["ThisAccountsAlarmsPublish"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish"
    assert publish["Resource"] == topic_arn(stack_run)
    assert publish["Condition"] == {
        "StringEquals": {"aws:SourceAccount": config.account_id},
        "ArnLike": {
            "aws:SourceArn": f"arn:aws:cloudwatch:{config.region}:{config.account_id}:alarm:toms-{config.client}-*"
        },
    }
    tls = statements["DenyPublishingWithoutTls"]
    assert (tls["Effect"], tls["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    assert [statement for statement in policy["Statement"] if statement["Effect"] == "Allow"] == [publish]


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears(stack_run: ProgramRun) -> None:
    topic = one(stack_run, TOPIC)
    policy = one(stack_run, TOPIC_POLICY)
    for purpose, alarm in alarms(stack_run).items():
        assert alarm.inputs["actionsEnabled"] is True, purpose
        assert alarm.inputs["alarmActions"] == [topic_arn(stack_run)], purpose
        assert alarm.inputs["okActions"] == [topic_arn(stack_run)], purpose
        assert {topic.urn, policy.urn} <= set(alarm.dependencies), purpose


def test_the_alarm_actions_are_known_in_the_first_preview(preview_run: ProgramRun) -> None:
    config = client_config(preview_run)
    expected = f"arn:aws:sns:{config.region}:{config.account_id}:toms-{config.client}-alerts"
    for purpose, alarm in alarms(preview_run).items():
        assert alarm.inputs["alarmActions"] == [expected], purpose


def settings(alarm: RegisteredResource) -> dict[str, Any]:
    keys = ("namespace", "metricName", "dimensions", "statistic", "period", "evaluationPeriods")
    keys += ("threshold", "comparisonOperator", "treatMissingData")
    return {key: alarm.inputs.get(key) for key in keys}


def test_the_export_path_alarms_on_failed_deliveries_and_on_stale_or_missing_data(
    stack_run: ProgramRun,
) -> None:
    stream = {"DeliveryStreamName": f"toms-{client_config(stack_run).client}-log-export"}
    found = alarms(stack_run)
    assert settings(found["log-export-delivery-failing"]) == {
        "namespace": "AWS/Firehose",
        "metricName": "DeliveryToS3.Success",
        "dimensions": stream,
        "statistic": "Minimum",
        "period": 300,
        "evaluationPeriods": 1,
        "threshold": 1,
        "comparisonOperator": "LessThanThreshold",
        "treatMissingData": "notBreaching",
    }
    stale = settings(found["log-export-stale"])
    assert (stale["metricName"], stale["dimensions"], stale["statistic"]) == (
        "DeliveryToS3.DataFreshness",
        stream,
        "Maximum",
    )
    assert (stale["comparisonOperator"], stale["threshold"]) == ("GreaterThanThreshold", 900)
    # Silence is the failure this alarm exists for.
    assert stale["treatMissingData"] == "breaching"


def test_the_service_alarms_below_its_replica_requirement(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    running = settings(alarms(stack_run)["tasks-below-replicas"])
    assert running["namespace"] == "ECS/ContainerInsights"
    assert running["metricName"] == "RunningTaskCount"
    assert running["dimensions"] == {
        "ClusterName": f"toms-{config.client}",
        "ServiceName": f"{config.client}-app",
    }
    assert (running["comparisonOperator"], running["threshold"]) == (
        "LessThanThreshold",
        config.service.replicas,
    )
    assert running["statistic"] == "Minimum" and running["treatMissingData"] == "breaching"
    assert one(stack_run, "aws:ecs/cluster:Cluster").inputs["settings"] == [
        {"name": "containerInsights", "value": "enhanced"}
    ]


def test_the_load_balancer_alarms_on_unhealthy_targets_and_the_5xx_rate(stack_run: ProgramRun) -> None:
    found = alarms(stack_run)
    balancer = one(stack_run, "aws:lb/loadBalancer:LoadBalancer").outputs["arnSuffix"]
    group = one(stack_run, "aws:lb/targetGroup:TargetGroup").outputs["arnSuffix"]
    unhealthy = settings(found["unhealthy-targets"])
    assert (unhealthy["metricName"], unhealthy["dimensions"]) == (
        "UnHealthyHostCount",
        {"LoadBalancer": balancer, "TargetGroup": group},
    )
    assert (unhealthy["comparisonOperator"], unhealthy["threshold"]) == ("GreaterThanThreshold", 0)
    rate = found["server-error-rate"].inputs
    queries = {query["id"]: query for query in rate["metricQueries"]}
    assert {query["metric"]["metricName"] for query in queries.values() if "metric" in query} == {
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
        "RequestCount",
    }
    (returned,) = [query for query in queries.values() if query.get("returnData")]
    assert "/ IF(FILL(requests, 0) > 0, requests, 1)" in returned["expression"]
    assert (rate["comparisonOperator"], rate["threshold"]) == ("GreaterThanThreshold", 5)
    assert rate["datapointsToAlarm"] <= rate["evaluationPeriods"]


def test_the_database_alarms_when_a_tenth_of_its_storage_is_left(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    storage = settings(alarms(stack_run)["database-free-storage-low"])
    assert storage["namespace"] == "AWS/RDS" and storage["metricName"] == "FreeStorageSpace"
    assert storage["dimensions"] == {"DBInstanceIdentifier": f"toms-{config.client}"}
    assert storage["comparisonOperator"] == "LessThanThreshold"
    assert storage["threshold"] == pytest.approx(config.database.allocated_storage * 1024**3 / 10)


def test_every_cis_filter_counts_on_the_trails_log_group_and_has_an_alarm(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    (trail_group,) = [
        group
        for group in stack_run.of_type(LOG_GROUP)
        if group.inputs["name"] == f"/toms/{config.client}/cloudtrail"
    ]
    filters = {
        item.inputs["name"].removeprefix(f"toms-{config.client}-"): item
        for item in stack_run.of_type(METRIC_FILTER)
    }
    assert set(filters) == {cis.purpose for cis in CIS_FILTERS}
    found = alarms(stack_run)
    for cis in CIS_FILTERS:
        metric_filter = filters[cis.purpose].inputs
        assert metric_filter["logGroupName"] == trail_group.outputs["name"]
        assert metric_filter["pattern"] == cis.pattern
        transformation = metric_filter["metricTransformation"]
        alarm = settings(found[cis.purpose])
        assert (alarm["namespace"], alarm["metricName"]) == (CIS_NAMESPACE, transformation["name"])
        assert transformation["namespace"] == CIS_NAMESPACE and transformation["value"] == "1"
        assert (alarm["statistic"], alarm["comparisonOperator"], alarm["threshold"]) == (
            "Sum",
            "GreaterThanOrEqualToThreshold",
            1,
        )
    # The controls the issue names by subject.
    assert {"cis-root-account-usage", "cis-key-disabled-or-deleted", "cis-iam-policy-changes"} <= set(filters)


def test_cis_patterns_are_balanced_filter_expressions() -> None:
    for cis in CIS_FILTERS:
        pattern = cis.pattern
        assert pattern.startswith("{ ") and pattern.endswith(" }"), cis.purpose
        assert pattern.count("(") == pattern.count(")"), cis.purpose
        assert pattern.count('"') % 2 == 0, cis.purpose
    assert len({cis.control for cis in CIS_FILTERS}) == len(CIS_FILTERS) == 15


def test_no_email_subscription_unless_the_stack_names_one(stack_run: ProgramRun) -> None:
    assert stack_run.of_type(SUBSCRIPTION) == []


def test_the_stacks_alert_email_subscribes_to_the_topic() -> None:
    config = {**stack_file("initech"), "toms:alerts": {"email": "ops@initech.example"}}
    run = run_program(REPO, "initech", flatten_stack_config(config, "stacks/Pulumi.initech.yaml"))
    (subscription,) = run.of_type(SUBSCRIPTION)
    assert subscription.inputs["protocol"] == "email"
    assert subscription.inputs["endpoint"] == "ops@initech.example"
    assert subscription.inputs["topic"] == topic_arn(run)


@pytest.mark.parametrize(
    "email", ["ops", "ops@localhost", "ops@example.com, cto@example.com", "ops @example.com", ""]
)
def test_a_malformed_alert_email_gets_a_clear_error_naming_the_key(email: str) -> None:
    assert problems_for({**stack_file("acme"), "toms:alerts": {"email": email}}) == [
        f"toms:alerts.email: got {json.dumps(email)}; expected one email address such as ops@example.com"
    ]


def test_an_unknown_alerts_key_is_refused_with_a_hint() -> None:
    (problem,) = problems_for({**stack_file("acme"), "toms:alerts": {"emails": "ops@example.com"}})
    assert problem.startswith("toms:alerts.emails: unknown key; did you mean toms:alerts.email?")


def test_no_alert_email_by_default() -> None:
    assert AlertsConfig().email is None


def test_the_alarms_the_program_makes_are_the_ones_the_audit_looks_for(stack_run: ProgramRun) -> None:
    assert [cis.purpose for cis in CIS_FILTERS] == list(standards.CIS_ALARMS)
    assert set(alarms(stack_run)) == set(standards.BASELINE_ALARMS)
