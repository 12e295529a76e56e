"""The pack config: schema with secure defaults, validated as the CLI does, and one file per example client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.config import parse_client_config
from policies.toms_pack import standards
from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import containers, resource
from toms.offline.analyzer_client import PolicyConfigError, PolicyPackProcess, reconcile_config
from toms.project import read_stack_file

REPO = Path(__file__).resolve().parents[2]
TASK = "aws:ecs/taskDefinition:TaskDefinition"
CLIENT_CONFIGS = sorted((REPO / "stacks" / "policy-config").glob("*.json"))


def test_every_tunable_has_a_default(pack: PolicyPackProcess) -> None:
    for policy in pack.info().policies:
        for key, schema in policy.config_schema.items():
            if key in ("reason", "expires"):  # they belong to a lowered enforcement level, not to the rule
                continue
            assert "default" in schema, f"{policy.name}.{key} has no default"


def test_defaults_are_the_secure_ones(pack: PolicyPackProcess) -> None:
    reconciled = reconcile_config(pack.info(), {})
    assert reconciled["ecs-service-min-replicas"] == (
        "mandatory",
        {"minReplicas": standards.MIN_REPLICAS, "waivers": []},
    )
    assert reconciled["lb-tls-listener-policy"][1]["allowedPolicies"] == list(standards.ALLOWED_TLS_POLICIES)
    assert reconciled["waived-findings"][0] == "advisory"


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            {"lb-tls-listener-policy": {"allowedPolicies": ["ELBSecurityPolicy-TLS13-1-1-2021-06"]}},
            "does not match",
        ),
        ({"log-group-retention": {"minDays": 0}}, "is not one of"),
        ({"rds-backup-retention": {"maxDays": 36}}, "is greater than the maximum of 35"),
        ({"rds-multi-az": "sometimes"}, "is not a valid enforcement level"),
        (
            {
                "rds-multi-az": {
                    "waivers": [{"resources": ["db"], "reason": "x", "expires": "2030-01-01", "by": "me"}]
                }
            },
            "Additional properties are not allowed",
        ),
        ({"s3-archive-object-lock": {"allowedModes": ["NONE"]}}, "is not one of"),
        # Loosening below what the annex promises: one replica, SSH/RDP off the admin list or made public.
        ({"ecs-service-min-replicas": {"minReplicas": 1}}, "is less than the minimum of 2"),
        ({"security-group-admin-ports": {"adminPorts": []}}, "are valid under the given schema"),
        ({"security-group-admin-ports": {"adminPorts": [22, 5985]}}, "are valid under the given schema"),
        ({"security-group-public-ingress": {"allowedPublicPorts": [443, 22]}}, "should not be valid"),
        # Deployments that take serving copies away, logs that stay on the host.
        ({"ecs-service-min-healthy-percent": {"minimumPercent": 50}}, "is less than the minimum of 100"),
        ({"ecs-task-log-configuration": {"allowedLogDrivers": ["json-file"]}}, "is not one of"),
        ({"ecs-task-log-configuration": {"allowedLogDrivers": []}}, "should be non-empty"),
        # Switching the archive rules off, or keeping the archive for ever.
        ({"s3-archive-lifecycle": {"archiveClassifications": []}}, "[] should be non-empty"),
        (
            {"s3-encryption": {"archiveClassifications": ["personal-data"]}},
            "None of ['personal-data'] are valid",
        ),
        (
            {"s3-archive-object-lock": {"archiveClassifications": ["archive"]}},
            "None of ['archive'] are valid",
        ),
        ({"s3-archive-lifecycle": {"maxDays": 3654}}, "is greater than the maximum of 3653"),
        ({"s3-archive-lifecycle": {"minDays": 36500}}, "is greater than the maximum of 3653"),
    ],
)
def test_invalid_config_is_refused(pack: PolicyPackProcess, config: dict, problem: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        reconcile_config(pack.info(), config)
    assert any(problem in line for line in raised.value.problems), raised.value.problems


def test_configured_bounds_apply(pack: PolicyPackProcess) -> None:
    with configured(pack, {**BASE_CONFIG, "log-group-retention": {"minDays": 365, "maxDays": 365}}):
        diagnostics = pack.analyze(resource("aws:cloudwatch/logGroup:LogGroup", retentionInDays=90))
    assert [d.policy_name for d in diagnostics] == ["log-group-retention"]


def test_there_is_a_pack_config_per_example_stack() -> None:
    stacks = {
        path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        for path in (REPO / "stacks").glob("Pulumi.*.yaml")
    }
    assert stacks and {path.stem for path in CLIENT_CONFIGS} == stacks


@pytest.mark.parametrize("path", CLIENT_CONFIGS, ids=lambda path: path.stem)
def test_client_config_is_valid_and_admits_the_clients_values(pack: PolicyPackProcess, path: Path) -> None:
    reconciled = reconcile_config(pack.info(), json.loads(path.read_text()))
    stack_file = REPO / "stacks" / f"Pulumi.{path.stem}.yaml"
    client = parse_client_config(read_stack_file(stack_file), source=str(stack_file))
    logs = reconciled["log-group-retention"][1]
    assert logs["minDays"] <= client.retention.log_days <= logs["maxDays"]
    backups = reconciled["rds-backup-retention"][1]
    assert backups["minDays"] <= client.retention.backup_days <= backups["maxDays"]
    archive = reconciled["s3-archive-lifecycle"][1]
    assert archive["minDays"] <= client.retention.archive_retention_days <= archive["maxDays"]
    assert client.archive.lock_mode in reconciled["s3-archive-object-lock"][1]["allowedModes"]
    assert client.service.replicas >= reconciled["ecs-service-min-replicas"][1]["minReplicas"]
    assert client.load_balancer.tls_policy in reconciled["lb-tls-listener-policy"][1]["allowedPolicies"]
    assert reconciled["waived-findings"][0] == reconciled["waived-stack-findings"][0] == "advisory"


def test_log_drivers_can_be_narrowed(pack: PolicyPackProcess) -> None:
    firelens = resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="awsfirelens"))
    assert pack.analyze(firelens) == []
    with configured(pack, {**BASE_CONFIG, "ecs-task-log-configuration": {"allowedLogDrivers": ["awslogs"]}}):
        diagnostics = pack.analyze(firelens)
    assert [d.policy_name for d in diagnostics] == ["ecs-task-log-configuration"]
    assert "use one of awslogs" in diagnostics[0].message
