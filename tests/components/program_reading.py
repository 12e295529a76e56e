"""What the component tests read from a run of the real program and from the stack file behind it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from components.config import ClientConfig, StackConfigError, parse_client_config
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramRun, RegisteredResource
from toms.project import flatten_stack_config

ACME_SOURCE = "stacks/Pulumi.acme.yaml"
KMS_KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBSCRIPTION_FILTER = "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
# The port PostgreSQL listens on, written out rather than read from the component under test.
POSTGRES_PORT = 5432


def stack_file(stack: str) -> dict[str, Any]:
    """The example stack's `config:` exactly as written in `stacks/Pulumi.<stack>.yaml`."""
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    config: dict[str, Any] = document["config"]
    return config


def govcloud_stack_file() -> dict[str, Any]:
    """The acme stack moved to AWS GovCloud (US-West): certificate, image and secret in that partition."""
    config = stack_file("acme")
    region, account = "us-gov-west-1", "111122223333"
    return {
        **config,
        "aws:region": region,
        "toms:certificateArn": (
            f"arn:aws-us-gov:acm:{region}:{account}:certificate/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"
        ),
        "toms:service": {
            **config["toms:service"],
            "image": f"{account}.dkr.ecr.{region}.amazonaws.com/acme/app:2.3.1",
            "secrets": {
                "DATABASE_URL": f"arn:aws-us-gov:secretsmanager:{region}:{account}:secret:acme/app/db-Ab12Cd"
            },
        },
    }


def problems_for(config: dict[str, Any], source: str = ACME_SOURCE) -> list[str]:
    """The problems a stack file with `config:` gets, each one line; the error names `source` first."""
    with pytest.raises(StackConfigError) as caught:
        parse_client_config(flatten_stack_config(config, source), source)
    assert str(caught.value).startswith(f"{source}: ")
    return caught.value.problems


def client_config(run: ProgramRun) -> ClientConfig:
    """The run's config as the program validated it, defaults filled in."""
    return parse_client_config(run.config, run.stack)


def only(resources: list[RegisteredResource]) -> RegisteredResource:
    assert len(resources) == 1, [resource.name for resource in resources]
    return resources[0]


def one(run: ProgramRun, type_token: str) -> RegisteredResource:
    """The one registered resource of `type_token`."""
    return only(run.of_type(type_token))


def children(run: ProgramRun, component: RegisteredResource, type_token: str) -> list[RegisteredResource]:
    return [resource for resource in run.children_of(component.urn) if resource.type == type_token]


def one_child(run: ProgramRun, component: RegisteredResource, type_token: str) -> RegisteredResource:
    """The one child of `component` of `type_token`."""
    return only(children(run, component, type_token))


def statement_actions(statement: dict[str, Any]) -> list[str]:
    """A policy statement's `Action`, which IAM takes as one string or a list, as a list."""
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def client_key_arn(run: ProgramRun) -> str:
    arn: str = one(run, KMS_KEY).outputs["arn"]
    return arn
