"""The closed-world backlog of the data services, as real Pulumi programs: copies of data that leave the
stack's measures and ways into data stores that the annex does not allow. Each program runs through
`toms preview --program` (in-process) and must end BLOCKED by the policy that judges each resource, with
the provider's own property names as the engine sends them (not `resource-type-not-reviewed`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.policies.test_reviewer_programs import run_reviewer_program
from toms.offline.analyzer_client import PolicyPackProcess

PROGRAMS = REPO / "tests" / "fixtures" / "backlog_programs"

# Program -> the (policy, resource name) findings it must get, each mandatory.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "data_copies_leave": {
        ("datastore-links-declared", "legacy-snapshot"),
        ("datastore-links-declared", "before-migration"),
        ("datastore-backups", "before-migration"),
        ("datastore-links-declared", "orders-export"),
        ("datastore-encrypted-cmk", "orders-export"),
        ("datastore-links-declared", "db-export"),
        ("datastore-encrypted-cmk", "db-export"),
        ("datastore-encrypted-cmk", "files-dr"),
        ("data-shared-with-listed-accounts", "sales-share"),
        ("data-shared-with-listed-accounts", "peer-search"),
        ("datastore-encrypted-cmk", "orders-replica"),
        ("datastore-backups", "orders-replica"),
        ("datastore-encrypted-cmk", "logs"),
        ("datastore-redundant", "logs"),
    },
    "data_access_open": {
        ("cache-user-authentication", "cache-admin"),
        ("cache-user-authentication", "cache-users"),
        ("opensearch-serverless-policies", "logs-network"),
        ("eks-access-restricted", "contractor-admin"),
        ("eks-node-group-remote-access", "workers"),
        ("datastore-links-declared", "workers"),
        ("rds-option-group-secure", "oracle-options"),
        ("feature-needs-review", "corp-oidc"),
    },
    "s3_data_leaks": {
        ("s3-acl-private", "data-acl"),
        ("s3-acl-private", "data-grants"),
        ("s3-acl-private", "export"),
        ("s3-acl-private", "export-copy"),
        ("s3-object-encrypted-cmk", "export"),
        ("s3-object-encrypted-cmk", "export-copy"),
        ("s3-no-website-endpoint", "site"),
        ("datastore-not-public", "partners"),
        ("s3-copies-stay-with-client", "offsite"),
        ("s3-copies-stay-with-client", "listing"),
        ("datastore-redundant", "scratch"),
    },
    "keys_functions_registries": {
        ("kms-grant-restricted", "partner-decrypt"),
        ("data-destinations-within-accounts", "resize-failures"),
        ("data-destinations-within-accounts", "images-offsite"),
        ("data-destinations-within-accounts", "clicks"),
        ("ecr-created-repositories-templated", "docker-hub"),
        ("ecr-created-repositories-templated", "images-offsite"),
        ("ecr-repository-hardened", "scanning"),
        ("ebs-copies-encrypted", "legacy-volume"),
        ("datastore-not-public", "snapshot-sharing"),
    },
    "systems_manager": {
        ("ssm-document-not-shared", "hello"),
        ("ssm-runs-reviewed-documents", "everywhere"),
        ("ssm-runs-reviewed-documents", "nightly"),
        ("ssm-service-settings-reviewed", "public-documents"),
        ("ssm-no-hybrid-activation", "on-prem"),
    },
}


# Programs whose links all point at resources they declare: no finding of that policy, in preview.
LINKS_DECLARED = "data_links_declared"


def test_every_program_has_expectations() -> None:
    assert {path.stem for path in PROGRAMS.glob("*.py")} == {*EXPECTED, LINKS_DECLARED}


def test_links_passed_as_outputs_of_declared_resources_are_judged_declared(
    tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    result = run_reviewer_program(LINKS_DECLARED, tmp_path, reused_pack, PROGRAMS)
    judged = {finding.resource_name for finding in result.findings}
    assert {"documents", "documents-before-migration", "orders-export", "pods"} & judged  # it ran the pack
    assert [f.message for f in result.findings if f.policy == "datastore-links-declared"] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_backlog_program_is_blocked_by_the_policy_that_judges_it(
    name: str, tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    result = run_reviewer_program(name, tmp_path, reused_pack, PROGRAMS)
    mandatory = {(finding.policy, finding.resource_name) for finding in result.findings if finding.mandatory}
    assert not result.passed
    assert EXPECTED[name] <= mandatory, sorted(mandatory)
    assert not {name for policy, name in mandatory if policy == "resource-type-not-reviewed"}
