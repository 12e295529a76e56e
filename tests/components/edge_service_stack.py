"""What the load balancer and service tests read from a run of the real program and its stack file."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml

from components.config import StackConfigError, parse_client_config
from policies.toms_pack import standards
from tests.components.program_reading import stack_file
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramRun, RegisteredResource
from toms.project import read_stack_file

LOAD_BALANCER_COMPONENT = "toms:edge:TlsLoadBalancer"
SERVICE_COMPONENT = "toms:service:SelfHealingService"
DATABASE_COMPONENT = "toms:database:EncryptedDatabase"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"


def stack_service(run: ProgramRun) -> dict[str, Any]:
    service: dict[str, Any] = stack_file(run.stack)["toms:service"]
    return service


def stack_replicas(run: ProgramRun) -> int:
    """`toms:service.replicas` as the stack file sets it, or the documented default."""
    return int(stack_service(run).get("replicas", standards.MIN_REPLICAS))


def subnet_ids(run: ProgramRun, tier: str) -> list[str]:
    return [subnet.outputs["id"] for subnet in run.of_type(SUBNET) if subnet.inputs["tags"]["tier"] == tier]


def rules_of(run: ProgramRun, type_token: str, security_group_id: str) -> list[RegisteredResource]:
    return [rule for rule in run.of_type(type_token) if rule.inputs["securityGroupId"] == security_group_id]


def json_input(resource: RegisteredResource, key: str) -> Any:
    return json.loads(resource.inputs[key])


def config_error(changes: dict[str, Any], stack: str = "acme") -> str:
    """The error the example stack's config gets once `changes` (stack-file keys and values) are applied."""
    source = f"stacks/Pulumi.{stack}.yaml"
    raw = read_stack_file(REPO / source)
    document = yaml.safe_load((REPO / source).read_text(encoding="utf-8"))["config"]
    for key, value in changes.items():
        updated = copy.deepcopy(document.get(key))
        if isinstance(value, dict) and isinstance(updated, dict):
            updated.update(value)
        else:
            updated = value
        raw[key] = json.dumps(updated) if isinstance(updated, dict | list) else str(updated)
    try:
        parse_client_config(raw, source)
    except StackConfigError as error:
        return error.describe("nothing was created")  # as the program reports it
    raise AssertionError(f"{changes} was accepted")
