"""Every stack policy through AnalyzeStack: the compliant stack passes; each broken join is caught."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from policies.toms_pack import standards
from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import DELETE, compliant_stack, set_path
from toms.offline.analyzer_client import PolicyPackProcess, ResourceInput

Stack = dict[str, ResourceInput]


def change(role: str, path: str, value: object) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        set_path(stack[role].props, path, value)  # type: ignore[arg-type]

    return apply


def both(*changes: Callable[[Stack], None]) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        for apply_change in changes:
            apply_change(stack)

    return apply


def drop(role: str) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        del stack[role]

    return apply


def retype(role: str, resource_type: str) -> Callable[[Stack], None]:
    def apply(stack: Stack) -> None:
        stack[role] = dataclasses.replace(stack[role], type=resource_type)

    return apply


# (policy, change to the compliant stack, the role whose URN the finding names, message fragment)
STACK_VIOLATIONS: list[tuple[str, Callable[[Stack], None], str, str]] = [
    ("s3-versioning", drop("versioning"), "bucket", "versioning is not enabled"),
    (
        "s3-versioning",
        change("versioning", "versioningConfiguration.status", "Suspended"),
        "bucket",
        "Suspended",
    ),
    (
        "s3-encryption",
        change("encryption", "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"),
        "bucket",
        "use sseAlgorithm aws:kms",
    ),
    ("s3-encryption", drop("encryption"), "bucket", "has no encryption configuration"),
    (
        "s3-encryption",
        change("encryption", "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId", "alias/aws/s3"),
        "bucket",
        'kmsMasterKeyId is "alias/aws/s3"',
    ),
    (
        "s3-encryption",
        change(
            "encryption",
            "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
            "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3",
        ),
        "bucket",
        "customer-managed key",
    ),
    ("s3-bucket-protected", drop("public-access-block"), "bucket", "no BucketPublicAccessBlock"),
    (
        "s3-bucket-protected",
        change("public-access-block", "restrictPublicBuckets", False),
        "bucket",
        "restrictPublicBuckets is false",
    ),
    ("s3-bucket-protected", drop("encryption"), "bucket", "no BucketServerSideEncryptionConfiguration"),
    (
        "s3-archive-object-lock",
        change("bucket", "objectLockEnabled", DELETE),
        "bucket",
        "objectLockEnabled is not",
    ),
    (
        "s3-archive-object-lock",
        change("object-lock", "rule.defaultRetention.mode", "NONE"),
        "bucket",
        "mode is",
    ),
    ("s3-archive-object-lock", drop("object-lock"), "bucket", "no BucketObjectLockConfiguration"),
    ("s3-archive-lifecycle", drop("lifecycle"), "bucket", "never expires objects"),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.expiration.days", 10),
        "bucket",
        "expire after 10 days",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.filter", {"prefix": "AWSLogs/"}),
        "bucket",
        "never expires objects across the whole bucket (its expiring rules cover only part of it)",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.filter", {"tag": {"key": "expire", "value": "yes"}}),
        "bucket",
        "cover only part of it",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.prefix", "logs/"),
        "bucket",
        "cover only part of it",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.filter", {"and": {"prefix": "", "tags": {"keep": "no"}}}),
        "bucket",
        "cover only part of it",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.noncurrentVersionExpiration", DELETE),
        "bucket",
        "keeps noncurrent object versions past its retention",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.noncurrentVersionExpiration.noncurrentDays", 30),
        "bucket",
        "noncurrentDays of at most 1",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.noncurrentVersionExpiration.newerNoncurrentVersions", 5),
        "bucket",
        "without newerNoncurrentVersions",
    ),
    (
        "s3-archive-lifecycle",
        change("lifecycle", "rules.0.status", "Disabled"),
        "bucket",
        "never expires objects",
    ),
    (
        "rds-parameter-group-forces-tls",
        change("parameter-group", "parameters.0.value", "0"),
        "database",
        "does not set rds.force_ssl=1",
    ),
    ("rds-parameter-group-forces-tls", drop("parameter-group"), "database", "not managed in this stack"),
    (
        "rds-parameter-group-forces-tls",
        change("database", "parameterGroupName", DELETE),
        "database",
        "engine's default group",
    ),
    ("log-group-exported", drop("subscription"), "log-group", "no subscription filter"),
    (
        "ecs-service-load-balanced",
        change("target-group", "healthCheck.enabled", False),
        "service",
        "disabled",
    ),
    (
        "ecs-service-load-balanced",
        change("service", "loadBalancers", []),
        "service",
        "not behind a load balancer",
    ),
    (
        "lb-no-plain-http-forwarding",
        change("http-rule", "actions", [{"type": "forward", "targetGroupArn": "arn:tg"}]),
        "http-rule",
        "on HTTP listener http-listener",
    ),
    (
        "lb-no-plain-http-forwarding",
        both(
            change("http-listener", "protocol", "http"),
            change("http-rule", "actions", [{"type": "forward", "targetGroupArn": "arn:tg"}]),
        ),
        "http-rule",
        "on HTTP listener http-listener",
    ),
]


def test_compliant_stack_passes(pack: PolicyPackProcess) -> None:
    assert pack.analyze_stack(compliant_stack().values()) == []


@pytest.mark.parametrize(
    ("policy", "mutate", "role", "fragment"),
    STACK_VIOLATIONS,
    ids=[f"{policy}-{index}" for index, (policy, *_) in enumerate(STACK_VIOLATIONS)],
)
def test_stack_violation_names_the_resource(
    pack: PolicyPackProcess, policy: str, mutate: Callable[[Stack], None], role: str, fragment: str
) -> None:
    stack = compliant_stack()
    mutate(stack)
    findings = [d for d in pack.analyze_stack(stack.values()) if d.policy_name == policy]
    assert findings and all(finding.mandatory for finding in findings)
    assert any(fragment in f.message for f in findings), [f.message for f in findings]
    assert {f.urn for f in findings} == {stack[role].resolved_urn()}


def test_every_stack_policy_has_a_violating_case(pack: PolicyPackProcess) -> None:
    stack_policies = {p.name for p in pack.info().policies if p.policy_type == "stack"}
    assert stack_policies - {"waived-stack-findings"} == {policy for policy, *_ in STACK_VIOLATIONS}


def test_deprecated_v2_tokens_and_alb_tokens_are_joined(pack: PolicyPackProcess) -> None:
    stack = compliant_stack()
    retype("bucket", "aws:s3/bucketV2:BucketV2")(stack)
    retype("versioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")(stack)
    retype("http-listener", "aws:alb/listener:Listener")(stack)
    retype("http-rule", "aws:alb/listenerRule:ListenerRule")(stack)
    assert pack.analyze_stack(stack.values()) == []
    change("versioning", "versioningConfiguration.status", "Disabled")(stack)
    assert [d.policy_name for d in pack.analyze_stack(stack.values())] == ["s3-versioning"]


def test_join_by_property_dependency_when_names_are_unknown(preview_pack: PolicyPackProcess) -> None:
    """In preview a config resource's `bucket` is unknown; the engine's property dependencies still join."""
    from toms.offline.analyzer_client import UNKNOWN

    stack = compliant_stack()
    bucket_urn = stack["bucket"].resolved_urn()
    for role in ("versioning", "encryption", "public-access-block", "object-lock", "lifecycle"):
        stack[role] = dataclasses.replace(
            stack[role],
            props={**stack[role].props, "bucket": UNKNOWN},
            property_dependencies={"bucket": (bucket_urn,)},
        )
    assert preview_pack.analyze_stack(stack.values()) == []


def test_unclassified_bucket_needs_no_kms_or_lock(pack: PolicyPackProcess) -> None:
    stack = compliant_stack()
    stack["bucket"].props["tagsAll"] = {}  # type: ignore[index]
    stack["bucket"].props["objectLockEnabled"] = False  # type: ignore[index]
    for role in ("object-lock", "lifecycle"):
        del stack[role]
    set_path(
        stack["encryption"].props,  # type: ignore[arg-type]
        "rules.0.applyServerSideEncryptionByDefault",
        {"sseAlgorithm": "AES256"},
    )
    assert pack.analyze_stack(stack.values()) == []


def test_access_log_bucket_may_use_sse_s3_but_any_other_classification_needs_a_customer_key(
    pack: PolicyPackProcess,
) -> None:
    stack = compliant_stack()
    stack["bucket"].props["objectLockEnabled"] = False  # type: ignore[index]
    for role in ("object-lock", "lifecycle"):
        del stack[role]
    set_path(
        stack["encryption"].props,  # type: ignore[arg-type]
        "rules.0.applyServerSideEncryptionByDefault",
        {"sseAlgorithm": "AES256"},
    )
    stack["bucket"].props["tagsAll"] = {  # type: ignore[index]
        standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_ACCESS_LOGS
    }
    assert pack.analyze_stack(stack.values()) == []
    stack["bucket"].props["tagsAll"] = {standards.TAG_DATA_CLASSIFICATION: "confidential"}  # type: ignore[index]
    findings = pack.analyze_stack(stack.values())
    assert [d.policy_name for d in findings] == ["s3-encryption"]
    assert 'holds "confidential" data' in findings[0].message


def test_personal_data_bucket_needs_a_customer_key(pack: PolicyPackProcess) -> None:
    stack = compliant_stack()
    stack["bucket"].props["tagsAll"] = {  # type: ignore[index]
        standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_PERSONAL
    }
    stack["bucket"].props["objectLockEnabled"] = False  # type: ignore[index]
    set_path(
        stack["encryption"].props,  # type: ignore[arg-type]
        "rules.0.applyServerSideEncryptionByDefault",
        {"sseAlgorithm": "AES256"},
    )
    findings = pack.analyze_stack(stack.values())
    assert [d.policy_name for d in findings] == ["s3-encryption"]
    assert 'holds "personal-data" data' in findings[0].message


@pytest.mark.parametrize(
    "lifecycle_rule_change",
    [
        {"filter": DELETE},
        {"filter": {"prefix": ""}},
        # How a provider reports an empty filter in its outputs: every predicate null.
        {"filter": {"prefix": "", "tag": None, "and": None, "objectSizeGreaterThan": 0}},
        {"filter": {}, "noncurrentVersionExpiration": {"noncurrentDays": 1, "newerNoncurrentVersions": None}},
    ],
    ids=["no-filter", "empty-prefix", "null-predicates", "null-newer-versions"],
)
def test_archive_lifecycle_covering_the_whole_bucket_passes(
    pack: PolicyPackProcess, lifecycle_rule_change: dict
) -> None:
    stack = compliant_stack()
    for path, value in lifecycle_rule_change.items():
        set_path(stack["lifecycle"].props, f"rules.0.{path}", value)  # type: ignore[arg-type]
    assert pack.analyze_stack(stack.values()) == []


def test_archive_noncurrent_bound_is_configurable(pack: PolicyPackProcess) -> None:
    stack = compliant_stack()
    set_path(stack["lifecycle"].props, "rules.0.noncurrentVersionExpiration.noncurrentDays", 7)  # type: ignore[arg-type]
    assert [d.policy_name for d in pack.analyze_stack(stack.values())] == ["s3-archive-lifecycle"]
    with configured(pack, {**BASE_CONFIG, "s3-archive-lifecycle": {"maxNoncurrentDays": 7}}):
        assert pack.analyze_stack(stack.values()) == []
