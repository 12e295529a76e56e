"""What provider functions (data sources such as `aws.getRegion`) answer in an offline run.

Each answer is what AWS would return for the stack's own partition, region and account, derived
deterministically from the call's arguments, so a program that looks things up runs offline and the pack
sees the values it would see in a real preview.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AwsPlace:
    """Where the stack deploys: what ids and ARNs in mock answers name."""

    region: str
    account: str
    partition: str = "aws"


class NoInvokeAnswer(LookupError):
    """No answer is known for a provider function."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"the offline run has no answer for the provider function {token}; "
            "no result type of it was found in the program's SDK to build a placeholder from"
        )
        self.token = token


def digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _elb_account(region: str) -> str:
    """A made-up regional ELB log delivery account, stable per region."""
    return str(int(digest("elb", region)[:12], 16) % 10**12).zfill(12)


def _policy_values(values: list[Any]) -> Any:
    """IAM documents write a single value as a string and several as a list, as getPolicyDocument does."""
    return values[0] if len(values) == 1 else list(values)


def _policy_document(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """What `iam.getPolicyDocument` renders for its statements, so programs that build policies with it
    run offline and the pack sees the same JSON it would see in a real preview."""
    statements: list[dict[str, Any]] = []
    for given in arguments.get("statements") or []:
        statement: dict[str, Any] = {"Sid": given["sid"]} if given.get("sid") else {}
        statement["Effect"] = given.get("effect") or "Allow"
        for key, element in (("actions", "Action"), ("notActions", "NotAction")):
            if given.get(key):
                statement[element] = _policy_values(given[key])
        for key, element in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            principals = given.get(key) or []
            if any(p.get("type") == "*" for p in principals):
                statement[element] = "*"
            elif principals:
                statement[element] = {
                    p["type"]: _policy_values(p.get("identifiers") or []) for p in principals
                }
        for key, element in (("resources", "Resource"), ("notResources", "NotResource")):
            if given.get(key):
                statement[element] = _policy_values(given[key])
        conditions: dict[str, dict[str, Any]] = {}
        for condition in given.get("conditions") or []:
            conditions.setdefault(condition["test"], {})[condition["variable"]] = _policy_values(
                condition.get("values") or []
            )
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    document = {"Version": arguments.get("version") or "2012-10-17", "Statement": statements}
    rendered = json.dumps(document, indent=2)
    return {
        "json": rendered,
        "minifiedJson": json.dumps(document, separators=(",", ":")),
        "id": str(int(digest(rendered)[:8], 16)),
    }


def answer_invoke(token: str, arguments: Mapping[str, Any], place: AwsPlace) -> dict[str, Any]:
    """The result of provider function `token` called with `arguments`; NoInvokeAnswer when unknown."""
    region = arguments.get("region") or place.region
    arn_prefix = f"arn:{place.partition}"
    # The same image for the same search, as AWS answers a lookup of the newest matching image.
    image = f"ami-{digest('ami', json.dumps(arguments, sort_keys=True, default=str))[:17]}"
    answers: dict[str, Callable[[], dict[str, Any]]] = {
        "aws:index/getAvailabilityZones:getAvailabilityZones": lambda: {
            "names": [f"{region}{letter}" for letter in "abc"],
            "zoneIds": [f"{region}-az{number}" for number in (1, 2, 3)],
            "id": region,
            "groupNames": [region],
        },
        "aws:index/getCallerIdentity:getCallerIdentity": lambda: {
            "accountId": place.account,
            "arn": f"{arn_prefix}:iam::{place.account}:user/toms-offline",
            "userId": "AIDAOFFLINE",
            "id": place.account,
        },
        "aws:index/getRegion:getRegion": lambda: {
            "name": region,
            "region": region,
            "id": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
        },
        "aws:elb/getServiceAccount:getServiceAccount": lambda: {
            "id": _elb_account(region),
            "arn": f"{arn_prefix}:iam::{_elb_account(region)}:root",
            "region": region,
        },
        "aws:index/getPartition:getPartition": lambda: {
            "partition": place.partition,
            "dnsSuffix": "amazonaws.com.cn" if place.partition == "aws-cn" else "amazonaws.com",
            "id": place.partition,
        },
        "aws:iam/getPolicyDocument:getPolicyDocument": lambda: _policy_document(arguments),
        "aws:ec2/getAmi:getAmi": lambda: {
            "id": image,
            "imageId": image,
            "arn": f"{arn_prefix}:ec2:{region}::image/{image}",
            "architecture": "x86_64",
            "rootDeviceType": "ebs",
        },
    }
    answer = answers.get(token)
    if answer is None:
        raise NoInvokeAnswer(token)
    return answer()
