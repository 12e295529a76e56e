"""Unknown values: advisory in preview (checked again later), a violation at update time, never a crash."""

from __future__ import annotations

import dataclasses

import pytest

from tests.policies.samples import compliant_stack, resource, set_path
from toms.offline.analyzer_client import UNKNOWN, PolicyPackProcess, Secret

RDS = "aws:rds/instance:Instance"
TASK = "aws:ecs/taskDefinition:TaskDefinition"


def test_unknown_flag_is_advisory_in_preview(preview_pack: PolicyPackProcess) -> None:
    diagnostics = preview_pack.analyze(resource(RDS, multiAz=UNKNOWN))
    assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [("rds-multi-az", "advisory")]
    assert "multiAz unknown until" in diagnostics[0].message
    assert "blocks the update if it is still unknown" in diagnostics[0].message


def test_unknown_flag_blocks_at_update_time(pack: PolicyPackProcess) -> None:
    diagnostics = pack.analyze(resource(RDS, multiAz=UNKNOWN))
    assert [(d.policy_name, d.mandatory) for d in diagnostics] == [("rds-multi-az", True)]
    assert "still unknown at update time" in diagnostics[0].message


def test_known_violation_still_blocks_in_preview_next_to_an_unknown(preview_pack: PolicyPackProcess) -> None:
    diagnostics = preview_pack.analyze(resource(RDS, storageEncrypted=False, kmsKeyId=UNKNOWN))
    assert [(d.policy_name, d.mandatory) for d in diagnostics] == [("rds-storage-encrypted-cmk", True)]


def test_unknown_reference_counts_as_set(preview_pack: PolicyPackProcess) -> None:
    """A key ARN from another resource is unknown in preview, but it is there."""
    assert preview_pack.analyze(resource(RDS, kmsKeyId=UNKNOWN, parameterGroupName=UNKNOWN)) == []


def test_unknown_container_definitions_in_preview(preview_pack: PolicyPackProcess) -> None:
    diagnostics = preview_pack.analyze(resource(TASK, containerDefinitions=UNKNOWN))
    assert diagnostics and all(d.enforcement_level == "advisory" for d in diagnostics)


def test_an_unjoinable_config_blocks_the_preview(preview_pack: PolicyPackProcess) -> None:
    """Problem 3 of issue 14: a config whose bucket is an output the pack cannot join does not make the
    bucket's missing versioning advisory: the preview is the only gate, so it blocks, and says why."""
    stack = compliant_stack()
    stack["versioning"] = dataclasses.replace(
        stack["versioning"], props={**stack["versioning"].props, "bucket": UNKNOWN}
    )
    diagnostics = preview_pack.analyze_stack(stack.values())
    assert [(d.policy_name, d.mandatory) for d in diagnostics] == [("s3-versioning", True)]
    assert "bucket bucket has no BucketVersioning" in diagnostics[0].message
    assert "versioning may point at bucket but cannot be shown to" in diagnostics[0].message


def test_secret_values_are_checked_like_plain_ones(pack: PolicyPackProcess) -> None:
    assert [d.policy_name for d in pack.analyze(resource(RDS, password=Secret("hunter2")))] == [
        "rds-no-plaintext-password"
    ]
    assert pack.analyze(resource(RDS, multiAz=Secret(True))) == []


@pytest.mark.parametrize("path", ["filter", "noncurrentVersionExpiration.noncurrentDays"])
def test_unknown_archive_lifecycle_rule_blocks_in_preview_and_at_update(
    preview_pack: PolicyPackProcess, pack: PolicyPackProcess, path: str
) -> None:
    """A stack policy fails closed in preview (problem 3 of issue 14): it names what it could not establish."""
    stack = compliant_stack()
    set_path(stack["lifecycle"].props, f"rules.0.{path}", UNKNOWN)  # type: ignore[arg-type]
    # An unknown filter leaves open whether the rule covers the whole bucket, which both lifecycle
    # policies need to know.
    judges = {"s3-archive-lifecycle"} | ({"s3-abort-incomplete-uploads"} if path == "filter" else set())
    in_preview = preview_pack.analyze_stack(stack.values())
    assert {(d.policy_name, d.mandatory) for d in in_preview} == {(name, True) for name in judges}
    assert all("could not be established in preview" in d.message for d in in_preview)
    assert {d.urn for d in in_preview} == {stack["bucket"].resolved_urn()}
    at_update = pack.analyze_stack(stack.values())
    assert {(d.policy_name, d.mandatory) for d in at_update} == {(name, True) for name in judges}
    assert all("still unknown at update time" in d.message for d in at_update)
