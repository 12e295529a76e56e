"""Required tags: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from policies.toms_pack.standards import TOMS_STACK_TAGS
from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import COMPLIANT, resource, with_props
from toms.offline.analyzer_client import UNKNOWN, ResourceInput

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

KEY = "aws:kms/key:Key"

CASES: dict[str, list[Case]] = {
    "required-tags": [
        compliant(resource(KEY), label="provider-default-tags"),
        compliant(
            with_props("aws:sqs/queue:Queue", {"tags": {"client": "acme"}}), label="own-and-default-tags"
        ),
        unknown(with_props("aws:sqs/queue:Queue", {"tags": UNKNOWN}), "tags"),
        violating(ResourceInput(KEY, "untagged", COMPLIANT[KEY]), "missing required tags: client"),
        violating(
            ResourceInput("aws:sqs/queue:Queue", "queue", {"tags": {"client": "acme"}}),
            "missing required tags: managed-by [",
        ),
        # Problem 7 of issue 14: every type whose schema has tags, and only the tags the config asks for.
        violating(
            ResourceInput("aws:dynamodb/table:Table", "orders", {"hashKey": "id"}), "client, managed-by ["
        ),
        violating(
            ResourceInput("aws:ec2/internetGateway:InternetGateway", "igw", {"tags": {"Name": "main"}}),
            "missing required tags: client, managed-by [",
        ),
        compliant(
            ResourceInput("aws:s3/bucketPolicy:BucketPolicy", "policy", {"bucket": "b", "policy": "{}"}),
            label="type-without-tags",
        ),
        compliant(
            ResourceInput("aws:dynamodb/table:Table", "orders", {"tags": {"client": "x", "managed-by": "y"}}),
            label="no-toms-version-by-default",
        ),
        violating(
            ResourceInput("aws:dynamodb/table:Table", "orders", {"tags": {"client": "x", "managed-by": "y"}}),
            "missing required tags: toms-version",
            config={"required-tags": {"requiredTags": list(TOMS_STACK_TAGS)}},
            label="toms-stacks-ask-for-their-version",
        ),
        malformed(
            with_props("aws:kms/key:Key", {"enableKeyRotation": True, "tags": "client=acme"}),
            "expected a map",
        ),
    ],
}
