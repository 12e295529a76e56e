"""What the component tests read from a run of the real program and from the stack file behind it."""

from __future__ import annotations

from typing import Any

import yaml

from components.config import ClientConfig, parse_client_config
from tests.conftest import REPO
from toms.mock_run import ProgramRun, RegisteredResource

KMS_KEY = "aws:kms/key:Key"


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


def client_config(run: ProgramRun) -> ClientConfig:
    """The run's config as the program validated it, defaults filled in."""
    return parse_client_config(run.config, run.stack)


def only(resources: list[RegisteredResource]) -> RegisteredResource:
    assert len(resources) == 1, [resource.name for resource in resources]
    return resources[0]


def one(run: ProgramRun, type_token: str) -> RegisteredResource:
    """The one registered resource of `type_token`."""
    return only(run.of_type(type_token))


def client_key_arn(run: ProgramRun) -> str:
    arn: str = one(run, KMS_KEY).outputs["arn"]
    return arn
