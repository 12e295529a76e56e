"""`Stack.declares`: whether an input names a resource of some types that the stack declares, by value."""

from __future__ import annotations

from typing import Any

import pytest

from policies.toms_pack.kit import EACH, MISSING, UNKNOWN, Resource, Stack, values_at

ROLE = "aws:iam/role:Role"
BUCKET = "aws:s3/bucket:Bucket"


def resource(kind: str, name: str, props: dict[str, Any], **dependencies: tuple[str, ...]) -> Resource:
    return Resource(kind, name, f"urn:{name}", props, property_dependencies=dependencies)


ROLES = (resource(ROLE, "export", {"arn": "arn:role/export"}), resource(ROLE, "load", {"arn": UNKNOWN}))
OTHER = resource(BUCKET, "bucket", {"bucket": "acme"})


@pytest.mark.parametrize(
    ("value", "dependencies", "candidates", "expected"),
    [
        ("arn:role/export", (), ROLES[:1], True),
        ("arn:role/other", (), ROLES[:1], False),
        # Another role's ARN is not known yet: the literal may be it.
        ("arn:role/other", (), ROLES, UNKNOWN),
        (UNKNOWN, ("urn:export",), ROLES, True),
        (UNKNOWN, ("urn:export", "urn:load"), ROLES, True),
        (UNKNOWN, ("urn:export", "urn:bucket"), ROLES, UNKNOWN),
        (UNKNOWN, ("urn:bucket",), ROLES, False),
        (UNKNOWN, (), ROLES, UNKNOWN),
        (5, (), ROLES, False),
    ],
)
def test_declares_joins_by_value_and_by_the_engines_dependencies(
    value: Any, dependencies: tuple[str, ...], candidates: tuple[Resource, ...], expected: Any
) -> None:
    source = resource(
        "aws:rds/roleAssociation:RoleAssociation", "association", {"roleArn": value}, roleArn=dependencies
    )
    stack = Stack((*candidates, OTHER, source))
    assert stack.declares(source, "roleArn", (ROLE,), ("arn",)) is expected


def test_declares_reads_an_item_inside_the_input_it_is_given() -> None:
    source = resource(
        "aws:redshift/clusterIamRoles:ClusterIamRoles", "roles", {"iamRoleArns": ["arn:role/export"]}
    )
    stack = Stack((*ROLES[:1], source))
    assert stack.declares(source, "iamRoleArns", (ROLE,), ("arn",), "arn:role/export") is True


def test_values_at_walks_lists_and_names_each_place() -> None:
    props = {
        "rules": [{"destinations": [{"registryId": "1"}, {"registryId": UNKNOWN}]}, {"destinations": "x"}]
    }
    assert list(values_at(props, ("rules", EACH, "destinations", EACH, "registryId"))) == [
        ("rules[0].destinations[0].registryId", "1"),
        ("rules[0].destinations[1].registryId", UNKNOWN),
        ("rules[1].destinations", "x"),
    ]
    assert list(values_at({}, ("destination", "fileSystemId"))) == [("destination", MISSING)]
