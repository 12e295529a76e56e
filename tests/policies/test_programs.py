"""Issue 14's numbered problems as programs show them: small Pulumi programs under tests/fixtures, previewed
with the real pack as `toms preview --program` runs them (in-process, each preview computed once)."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO, reused_pack_process
from toms.preview.model import Finding, PreviewError, StackPreview
from toms.preview.run import preview, program_target

FIXTURES = REPO / "tests" / "fixtures"
SOON = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


@functools.cache
def previewed(program: str, policy_config: Path | None = None) -> StackPreview:
    return preview(
        program_target(FIXTURES / program, None, [], None, policy_config), pack=reused_pack_process()
    )


def findings(program: str, policy: str, resource: str, policy_config: Path | None = None) -> list[Finding]:
    return [
        finding
        for finding in previewed(program, policy_config).findings
        if finding.policy == policy and finding.resource_name == resource
    ]


def blocking(program: str, policy: str, resource: str) -> list[str]:
    found = findings(program, policy, resource)
    assert found and all(finding.mandatory for finding in found), found
    return [finding.message for finding in found]


def test_problem_1_a_value_computed_from_a_tls_group_is_not_that_group() -> None:
    (message,) = blocking("unsound_joins", "rds-parameter-group-forces-tls", "orders-db")
    assert 'parameter group "default.postgres16" is not managed in this stack' in message


@pytest.mark.parametrize("bucket", ["guarded", "bare"])
def test_problem_1_a_config_for_either_of_two_buckets_belongs_to_neither(bucket: str) -> None:
    for policy, config in (("s3-bucket-protected", "guarded-block"), ("s3-versioning", "guarded-versioning")):
        (message,) = blocking("unsound_joins", policy, bucket)
        assert f"{config} may point at {bucket} but cannot be shown to" in message


def test_problem_2_two_public_access_blocks_for_one_bucket_are_a_violation_naming_both() -> None:
    (message,) = blocking("unsound_joins", "s3-bucket-protected", "doubled")
    assert "bucket doubled has 2 BucketPublicAccessBlocks (doubled-closed and doubled-open)" in message


@pytest.mark.parametrize("group", ["quiet", "loud"])
def test_problem_3_an_unjoinable_export_blocks_the_preview_saying_why(group: str) -> None:
    (message,) = blocking("unsound_joins", "log-group-exported", group)
    assert f"log group {group} has no subscription filter exporting it" in message
    assert f"export may point at {group} but cannot be shown to" in message
    assert previewed("unsound_joins").passed is False


@pytest.mark.parametrize(
    ("policy", "resource", "fragment"),
    [
        ("s3-public-access-block-complete", "foreign-block", "blockPublicPolicy is false"),
        (
            "s3-versioning-not-suspended",
            "foreign-versioning",
            'versioningConfiguration.status is "Suspended"',
        ),
        (
            "s3-public-access-block-complete",
            "doubled-open",
            "blockPublicAcls is false, blockPublicPolicy is false",
        ),
    ],
)
def test_problem_6_weakening_configs_are_violations_on_their_own(
    policy: str, resource: str, fragment: str
) -> None:
    (message,) = blocking("unsound_joins", policy, resource)
    assert fragment in message


def test_problem_5_a_waiver_names_one_components_db_not_every_db(tmp_path: Path) -> None:
    legacy = "acme:legacy:Database$aws:rds/instance:Instance::db"
    config = tmp_path / "waiver.json"
    waiver = {"resources": [legacy], "reason": "Multi-AZ cut-over in CHG-12", "expires": SOON}
    config.write_text(json.dumps({"rds-multi-az": {"waivers": [waiver]}}))
    multi_az = [f for f in previewed("shared_names", config).findings if f.policy == "rds-multi-az"]
    assert [(f.urn.split("::")[2], f.mandatory) for f in multi_az] == [
        ("acme:modern:Database$aws:rds/instance:Instance", True)
    ]
    waived = [f for f in previewed("shared_names", config).findings if f.policy == "waived-findings"]
    assert [f.urn.split("::")[2] for f in waived] == ["acme:legacy:Database$aws:rds/instance:Instance"]


def test_problem_5_a_waiver_by_logical_name_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "waiver.json"
    waiver = {"resources": ["db"], "reason": "Multi-AZ cut-over in CHG-12", "expires": SOON}
    config.write_text(json.dumps({"rds-multi-az": {"waivers": [waiver]}}))
    with pytest.raises(PreviewError, match=r"rds-multi-az: waivers\.0\.resources\.0: 'db' does not match"):
        preview(program_target(FIXTURES / "shared_names", None, [], None, config))


def test_problem_7_no_false_positives_on_a_public_program() -> None:
    result = previewed("public_program")
    by_policy: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_policy.setdefault(finding.policy, []).append(finding)
    # Unset minimum healthy percent is AWS's 100; an unclassified bucket needs no encryption config.
    assert "ecs-service-min-healthy-percent" not in by_policy
    assert not {f.resource_name for f in by_policy.get("s3-encryption", [])} | {
        f.resource_name for f in by_policy.get("s3-bucket-protected", [])
    }
    # Required tags: every type whose schema has tags (the untagged table too), never toms-version.
    tagged = {f.resource_name for f in by_policy["required-tags"]}
    assert {"gateway", "orders", "assets", "bastion", "web"} <= tagged
    assert all("toms-version" not in f.message for f in by_policy["required-tags"])
    # A target group without healthCheck: AWS's defaults exceed the bound, not "not set".
    (bound,) = by_policy["lb-target-health-check-bound"]
    assert "2 x 30 s + 5 s = 65 s" in bound.message and "so AWS's defaults apply" in bound.message
    # Open SSH: one finding, its port a whole number.
    ssh = [f for f in result.findings if f.resource_name == "bastion" and f.policy != "required-tags"]
    assert [(f.policy, f.mandatory) for f in ssh] == [("security-group-admin-ports", True)]
    assert 'admin port 22 to public range 0.0.0.0/0 (protocol "tcp", port 22)' in ssh[0].message
    assert "22.0" not in ssh[0].message
    # The pack names its real version.
    advisories = [f.message for f in result.findings if f.enforcement_level == "advisory"]
    assert advisories and all("toms@v0.1.0" in m for m in advisories if "policy pack" in m)
    assert not any("v0.0.1" in f.message for f in result.findings)
