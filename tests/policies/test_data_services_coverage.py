"""Every resource type of the services that store or move data is judged by a policy or reviewed as harmless.

The test walks the installed `pulumi_aws` (its own registry of resource types), so a provider upgrade that
adds a type to one of these services fails here until someone judges or reviews it. `NOT_YET_JUDGED` held
the known backlog (types blocked by `resource-type-not-reviewed`, as the closed world fails closed); it is
empty now, and the test fails when a new gap appears.
"""

from __future__ import annotations

import re

from policies.toms_pack.harmless_types import ESCAPE_HATCHES, HARMLESS_TYPES
from policies.toms_pack.pack import all_rules
from policies.toms_pack.rules.closed_world import judged_types
from tests.policies.provider_types import aws_resource_types, service_of

# pulumi_aws modules of the services that store data or carry it between systems.
DATA_SERVICES = frozenset(
    {
        "rds", "redshift", "docdb", "neptune", "dynamodb", "elasticache", "memorydb", "efs", "opensearch",
        "sqs", "sns", "kinesis", "secretsmanager", "ssm", "ebs", "ecr", "lambda", "eks", "s3", "kms",
    }
)  # fmt: skip

# Types of those services no policy judges yet (each blocked by resource-type-not-reviewed). The backlog
# of issue 15 is empty: a type a provider upgrade adds must be judged or reviewed, not listed here.
NOT_YET_JUDGED: frozenset[str] = frozenset()


def _reviewed() -> frozenset[str]:
    all_rules()
    return judged_types() | frozenset(HARMLESS_TYPES)


def test_every_data_service_type_is_judged_or_reviewed_as_harmless() -> None:
    data_types = {token for token in aws_resource_types() if service_of(token) in DATA_SERVICES}
    gaps = data_types - _reviewed() - ESCAPE_HATCHES
    assert sorted(gaps - NOT_YET_JUDGED) == [], "new types: judge them, or review and list them as harmless"
    assert sorted(NOT_YET_JUDGED - gaps) == [], "judged or listed now: remove them from NOT_YET_JUDGED"


def test_every_type_a_rule_names_exists_in_the_provider() -> None:
    aws_types = aws_resource_types()
    named = {token for token in judged_types() if token.startswith("aws:")}
    assert sorted(named - aws_types) == []


def test_escape_hatches_are_never_reviewed() -> None:
    assert not ESCAPE_HATCHES & _reviewed()


def test_every_type_a_harmless_reason_relies_on_is_judged() -> None:
    """A reason such as "... judged on aws:appautoscaling/target:Target" must point at a judged type."""
    reviewed = _reviewed()
    relied_on = {
        token
        for reason in HARMLESS_TYPES.values()
        for token in re.findall(r"aws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+", reason)
    }
    assert relied_on and sorted(relied_on - reviewed) == []
