"""The closed-world issue's reviewer programs: each sentence of its first paragraph, as a small Pulumi program.

Every one of these passed with exit 0 before the pack was closed. Each now runs through `toms preview
--program` (in-process, the same function the CLI calls) and must end BLOCKED, with the policy that
judges the measure naming the resource at fault, not only `resource-type-not-reviewed` where the issue
asks for a measure.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from toms.offline.analyzer_client import PolicyPackProcess
from toms.preview.model import StackPreview
from toms.preview.run import preview, program_target

PROGRAMS = REPO / "tests" / "fixtures" / "reviewer_programs"

NOT_REVIEWED = "resource-type-not-reviewed"
DATA_STORES = (
    "warehouse",
    "documents",
    "graph",
    "sessions",
    "cache",
    "shared-files",
    "search",
    "jobs",
    "notices",
    "events",
    "api-credentials",
)

# Program -> the (policy, resource name) findings it must get, each mandatory.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "escape_hatches": {(NOT_REVIEWED, "cfn-db"), (NOT_REVIEWED, "cc-db")},
    "public_nlb_tcp": {("lb-listener-plaintext-ports", "db-tcp")},
    "classic_elb_tls10": {("elb-classic-tls", "legacy-web")},
    "cloudfront_http_tls1": {("cloudfront-tls", "site")},
    "apigateway_tls10": {("apigateway-tls", "orders-api"), ("apigateway-tls", "orders-domain")},
    "data_stores_unprotected": {
        *(("datastore-encrypted-cmk", name) for name in DATA_STORES),
        ("datastore-backups", "warehouse"),
        ("datastore-backups", "sessions"),
        ("datastore-backups", "cache"),
        ("datastore-tls", "cache"),
        ("datastore-tls", "search"),
        # Queue, topic and file system without a policy refusing requests sent without TLS.
        *(("datastore-policy-requires-tls", name) for name in ("jobs", "notices", "shared-files")),
        ("ssm-parameter-secure-string", "db-password"),
    },
    "shared_snapshots_images": {
        ("snapshot-not-shared", "orders-public"),
        ("snapshot-not-shared", "orders-shared"),
        ("snapshot-not-shared", "golden-public"),
        # Their databases are not in the program: their encryption cannot be verified, so they are blocked.
        ("rds-snapshot-encrypted-cmk", "orders-public"),
        ("rds-snapshot-encrypted-cmk", "orders-shared"),
    },
    "kms_open_key_policy": {("kms-key-policy-restricted", "open-key")},
    "iam_open_admin_role": {
        ("iam-trust-policy-restricted", "break-glass"),
        ("iam-no-admin-access", "break-glass-admin"),
    },
    "prefix_list_ssh": {("security-group-admin-ports", "bastion-ssh")},
    "trail_without_management_events": {("cloudtrail-management-events", "audit")},
    "ecs_autoscaling_below_floor": {
        ("ecs-autoscaling-min-capacity", "web-scaling"),
        ("ecs-autoscaling-min-capacity", "web-night"),
    },
    "ecs_task_host_access": {("ecs-task-host-isolation", "agent")},
    "implicit_log_groups": {
        ("log-groups-declared", "worker"),
        ("log-groups-declared", "resize"),
        ("log-groups-declared", "reports"),
    },
    "archive_object_lock_period": {
        ("s3-archive-object-lock", "archive-day"),
        ("s3-archive-object-lock", "archive-century"),
    },
    "example_lambda_api": {("log-groups-declared", "hello")},
    "example_step_functions": {(NOT_REVIEWED, "flow"), ("log-groups-declared", "step")},
    "example_appsync": {(NOT_REVIEWED, "tenants-api"), ("datastore-encrypted-cmk", "tenants")},
}


def run_reviewer_program(
    name: str, workdir: Path, pack: PolicyPackProcess, programs: Path = PROGRAMS
) -> StackPreview:
    """The program `<name>.py` as the `__main__.py` of a one-file Pulumi project, previewed offline."""
    shutil.copy(programs / f"{name}.py", workdir / "__main__.py")
    (workdir / "Pulumi.yaml").write_text(f"name: {name.replace('_', '-')}\nruntime: python\n")
    return preview(program_target(workdir, "dev", ["aws:region=eu-central-1"], None, None), pack=pack)


def test_every_program_has_expectations() -> None:
    assert {path.stem for path in PROGRAMS.glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reviewer_program_is_blocked_by_the_policy_that_judges_it(
    name: str, tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    result = run_reviewer_program(name, tmp_path, reused_pack)
    mandatory = {(finding.policy, finding.resource_name) for finding in result.findings if finding.mandatory}
    assert not result.passed
    assert EXPECTED[name] <= mandatory, sorted(mandatory)
