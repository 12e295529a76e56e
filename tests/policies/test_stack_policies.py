"""Every stack policy through AnalyzeStack: the compliant stack passes; each broken join is caught."""

from __future__ import annotations

import dataclasses

import pytest

from policies.toms_pack import standards
from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import DELETE, change, compliant_stack, retype, set_path
from toms.offline.analyzer_client import PolicyPackProcess, ResourceInput

Stack = dict[str, ResourceInput]


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


def bucket_findings(pack: PolicyPackProcess, stack: dict) -> list:
    """The stack's findings, but for its subscription filters: once the bucket is no longer an archive they
    have no archive to send to, which is log-subscription-to-archive's finding (test_log_sources.py)."""
    return [d for d in pack.analyze_stack(stack.values()) if d.policy_name != "log-subscription-to-archive"]


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
    assert bucket_findings(pack, stack) == []


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
    assert bucket_findings(pack, stack) == []
    stack["bucket"].props["tagsAll"] = {standards.TAG_DATA_CLASSIFICATION: "confidential"}  # type: ignore[index]
    findings = bucket_findings(pack, stack)
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
    findings = bucket_findings(pack, stack)
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


def test_a_stack_policy_does_not_apply_to_a_stack_without_its_types_where_it_finds_nothing(
    pack: PolicyPackProcess,
) -> None:
    """How the offline preview learns which types the stack policies judge (toms/preview/run.py)."""
    bucket = ResourceInput(type="aws:s3/bucket:Bucket", name="data", props={})
    verdict = pack.analyze_stack_verdict([bucket])
    assert "s3-versioning" not in verdict.not_applicable  # a type it judges
    assert "rds-snapshot-encrypted-cmk" in verdict.not_applicable  # none of its types
    assert "trail-records-archive-access" not in verdict.not_applicable  # it names no types
    # What a policy finds is never hidden: without any of its types it still applies when it finds something.
    alb = ResourceInput(type="aws:lb/loadBalancer:LoadBalancer", name="web", props={"internal": False})
    verdict = pack.analyze_stack_verdict([alb])
    assert "lb-waf-associated" in {diagnostic.policy_name for diagnostic in verdict.diagnostics}
    assert "lb-waf-associated" not in verdict.not_applicable
    assert "s3-versioning" in verdict.not_applicable
