"""Placeholder results for provider functions with no known answer, built from the SDK's typed result
classes (`GetVpcResult` and the output types it nests): every field of the right shape, strings,
numbers, lists and nested objects, ids and ARNs in the stack's partition, region and account. Arguments
the program passed that name a field of the result come back as given (a zone looked up by name has that
name). The values are made up: the report lists every function answered this way.

Runs in the program's interpreter, next to its SDK (`toms/offline/harness.py`).
"""

from __future__ import annotations

import importlib
import re
import typing
from collections.abc import Mapping
from typing import Any

from pulumi import _types as pulumi_types

from .invoke_answers import AwsPlace, digest

# Nested output types deeper than this get no fields (no result type nests this deep in practice).
MAX_DEPTH = 5
# Id prefixes AWS uses, by the noun of the function (getVpc, getSubnets, getSecurityGroup...).
ID_PREFIXES = {
    "vpc": "vpc-",
    "subnet": "subnet-",
    "securitygroup": "sg-",
    "internetgateway": "igw-",
    "natgateway": "nat-",
    "routetable": "rtb-",
    "vpcendpoint": "vpce-",
    "instance": "i-",
    "ami": "ami-",
    "networkinterface": "eni-",
    "eip": "eipalloc-",
    "zone": "Z",
    "prefixlist": "pl-",
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def result_class(token: str) -> type | None:
    """The SDK class of provider function `token`'s result (`aws:ec2/getVpc:getVpc` ->
    `pulumi_aws.ec2.get_vpc.GetVpcResult`), or None when the program's SDK has none."""
    parts = token.split(":")
    if len(parts) != 3:
        return None
    package, module_path, function = parts
    module = module_path.split("/")[0]
    root = "pulumi_" + package.replace("-", "_")
    folders = [root] if module == "index" else [f"{root}.{module}", f"{root}.{module}_"]
    for folder in folders:
        try:
            found = importlib.import_module(f"{folder}.{_snake(function)}")
        except ImportError:
            continue
        cls = getattr(found, function[0].upper() + function[1:] + "Result", None)
        if isinstance(cls, type) and pulumi_types.is_output_type(cls):
            return cls
    return None


class _Builder:
    def __init__(self, token: str, arguments: Mapping[str, Any], place: AwsPlace) -> None:
        package_module, function = token.split(":")[1:]
        self.service = package_module.split("/")[0]
        noun = re.sub(r"^get", "", function)
        self.noun = noun[0].lower() + noun[1:] if noun else function
        self.arguments = arguments
        self.place = place
        self.seed = digest(token, repr(sorted(arguments.items(), key=str)))

    def id(self, salt: str) -> str:
        noun = self.noun.lower()
        prefix = ID_PREFIXES.get(noun, ID_PREFIXES.get(noun.removesuffix("s"), ""))
        unique = digest(self.seed, salt)[:17]
        return prefix + (unique.upper() if prefix == "Z" else unique)

    def arn(self, field: str) -> str:
        resource = _snake(self.noun).replace("_", "-")
        if self.service == "iam":
            return f"arn:{self.place.partition}:iam::{self.place.account}:{resource}/offline-{field.lower()}"
        return (
            f"arn:{self.place.partition}:{self.service}:{self.place.region}:{self.place.account}:"
            f"{resource}/{self.id(field)}"
        )

    def text(self, field: str, salt: str = "") -> str:
        lowered = field.lower()
        if lowered in ("accountid", "ownerid", "account"):
            return self.place.account
        if lowered.endswith("id"):
            return self.id(field + salt)
        if lowered.endswith("arn"):
            return self.arn(field)
        if lowered in ("region", "homeregion"):
            return self.place.region
        if lowered == "partition":
            return self.place.partition
        if "ipv6" in lowered and "cidr" in lowered:
            return "2001:db8::/56"
        if "cidr" in lowered:
            return "10.0.0.0/16"
        if lowered in ("availabilityzone", "zonename"):
            return f"{self.place.region}a"
        return f"offline-{_snake(field).replace('_', '-')}{salt}"

    def value(self, field: str, annotation: Any, depth: int) -> Any:
        annotation = pulumi_types.unwrap_optional_type(annotation)
        origin = typing.get_origin(annotation)
        if origin in (list, typing.Sequence, tuple) or (origin is not None and _is_sequence(origin)):
            (item,) = typing.get_args(annotation)[:1] or (str,)
            singular = field.removesuffix("s")
            if pulumi_types.unwrap_optional_type(item) is str:
                return [self.text(singular, f"-{index}") for index in (1, 2)]
            return [self.value(singular, item, depth) for _ in (1, 2)]
        if origin is not None and _is_mapping(origin):
            return {}
        if annotation is bool:
            return False
        if annotation is int:
            return 1
        if annotation is float:
            return 1.0
        if annotation is str:
            return self.text(field)
        if isinstance(annotation, type) and pulumi_types.is_output_type(annotation):
            return self.object(annotation, depth + 1)
        return self.text(field)

    def object(self, cls: type, depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            return {}
        built = {}
        for name, annotation in pulumi_types.output_type_types(cls).items():
            given = self.arguments.get(name) if depth == 0 else None
            built[name] = given if given is not None else self.value(name, annotation, depth)
        return built


def _is_sequence(origin: Any) -> bool:
    from collections import abc

    return isinstance(origin, type) and issubclass(origin, abc.Sequence) and origin is not str


def _is_mapping(origin: Any) -> bool:
    from collections import abc

    return isinstance(origin, type) and issubclass(origin, abc.Mapping)


def placeholder_result(token: str, arguments: Mapping[str, Any], place: AwsPlace) -> dict[str, Any] | None:
    """A result of the right shape for provider function `token`, or None when its SDK has no result
    class for it."""
    cls = result_class(token)
    if cls is None:
        return None
    return _Builder(token, arguments, place).object(cls, 0)
