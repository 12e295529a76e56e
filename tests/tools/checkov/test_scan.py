"""`make checkov`'s judge (tools/checkov/scan.py), without Checkov: README's tables are what it accepts, a
converter limitation is accepted only with evidence from the capture, and anything else fails the scan."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

_SPEC = importlib.util.spec_from_file_location("checkov_scan", REPO / "tools" / "checkov" / "scan.py")
assert _SPEC is not None and _SPEC.loader is not None
scan = importlib.util.module_from_spec(_SPEC)
sys.modules["checkov_scan"] = scan
_SPEC.loader.exec_module(scan)

README = (REPO / "README.md").read_text(encoding="utf-8")
TYPES = {
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
}
LB_ARN = "arn:aws:lb:eu-west-1:123456789012:loadbalancer/acme-alb-1"
TRAIL_GROUP = "arn:aws:logs:eu-west-1:111122223333:log-group:/toms/acme/cloudtrail:*"


def resource(
    pulumi_type: str, logical: str, outputs: dict[str, Any] | None = None, **inputs: Any
) -> dict[str, Any]:
    return {"type": pulumi_type, "name": logical, "inputs": inputs, "outputs": outputs or {}}


def capture(
    *extra: dict[str, Any], insights: str = "enhanced", abort: bool = True, types: dict[str, str] = TYPES
) -> Any:
    rule = {"id": "expire", "status": "Enabled", "filter": {}}
    if abort:
        rule["abortIncompleteMultipartUpload"] = {"daysAfterInitiation": 7.0}
    resources = [
        resource(
            "aws:ecs/cluster:Cluster",
            "acme-cluster",
            settings=[{"name": "containerInsights", "value": insights}],
        ),
        resource(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "acme-log-archive",
            rules=[rule],
        ),
        resource("aws:cloudwatch/logGroup:LogGroup", "acme-trail-logs", name="/toms/acme/cloudtrail"),
        resource("aws:cloudtrail/trail:Trail", "acme-trail", cloudWatchLogsGroupArn=TRAIL_GROUP),
        resource("aws:lb/loadBalancer:LoadBalancer", "acme-alb", {"arn": LB_ARN}),
        *extra,
    ]
    return scan.Capture(resources, lambda name: name, types)


WAF = resource(
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "acme-waf",
    resourceArn=LB_ARN,
    webAclArn="arn:aws:wafv2:eu-west-1:123456789012:webacl/toms-acme-web",
)
LIMITATIONS = [
    ("CKV_AWS_65", "aws_ecs_cluster.acme-cluster"),
    ("CKV_AWS_300", "aws_s3_bucket_lifecycle_configuration.acme-log-archive"),
    ("CKV2_AWS_10", "aws_cloudtrail.acme-trail"),
    ("CKV2_AWS_28", "aws_lb.acme-alb"),
]


def judged(failures: list[tuple[str, str]], captured: Any) -> list[tuple[str, str | None]]:
    verdicts = scan.judge(failures, scan.accepted_in_readme(README), captured, {})
    return [(verdict.check, verdict.accepted_as) for verdict in verdicts]


def test_readme_accepts_each_converter_limitation_the_scan_can_verify() -> None:
    accepted = scan.accepted_in_readme(README)
    limitations = {row.check for row in accepted if row.kind == "converter limitation"}
    assert limitations == set(scan.EVIDENCE) == {check for check, _ in LIMITATIONS}
    assert {row.check for row in accepted if row.kind == "trade-off"} >= {"CKV_AWS_338", "CKV_AWS_145"}


def test_the_stacks_settings_make_each_converter_limitation_accepted() -> None:
    assert judged(LIMITATIONS, capture(WAF)) == [(check, "converter limitation") for check, _ in LIMITATIONS]


@pytest.mark.parametrize(
    ("captured", "check"),
    [
        (capture(WAF, insights="disabled"), "CKV_AWS_65"),
        (capture(WAF, abort=False), "CKV_AWS_300"),
        (capture(), "CKV2_AWS_28"),
        # A converter that maps the association would put it in the plan: a failure is then Checkov's finding.
        (
            capture(WAF, types={**TYPES, scan.WEB_ACL_ASSOCIATION: "aws_wafv2_web_acl_association"}),
            "CKV2_AWS_28",
        ),
    ],
)
def test_a_limitation_without_the_setting_in_the_stack_is_not_accepted(captured: Any, check: str) -> None:
    verdicts = dict(judged(LIMITATIONS, captured))
    assert verdicts[check] is None
    assert all(accepted for name, accepted in verdicts.items() if name != check)


def test_a_trade_off_holds_only_for_the_resources_readme_names() -> None:
    failures = [
        ("CKV_AWS_145", "aws_s3_bucket.acme-access-logs"),
        ("CKV_AWS_145", "aws_s3_bucket.acme-log-archive"),
    ]
    assert judged(failures, capture(WAF)) == [("CKV_AWS_145", "trade-off"), ("CKV_AWS_145", None)]


def test_a_check_readme_does_not_name_fails_the_scan() -> None:
    assert judged([("CKV_AWS_118", "aws_db_instance.acme-db")], capture(WAF)) == [("CKV_AWS_118", None)]


def test_readme_without_its_tables_stops_the_scan(tmp_path: Path) -> None:
    with pytest.raises(scan.ScanError, match="no section"):
        scan.accepted_in_readme("# toms\n")
