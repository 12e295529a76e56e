"""Programs that move data out of the client's control through types of the data services beyond the
issue's first paragraph (issue 15's backlog): each is previewed offline through the real `pulumi_aws` SDK,
so the policies read the inputs under the names the engine sends, and each must end BLOCKED with the
policy that judges the resource naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.policies.test_reviewer_programs import NOT_REVIEWED, run_reviewer_program

PROGRAMS = REPO / "tests" / "fixtures" / "data_service_programs"

# Program -> the (policy, resource name) findings it must get, each mandatory.
EXPECTED: dict[str, set[tuple[str, str]]] = {
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
        (NOT_REVIEWED, "seed"),
    },
    "systems_manager": {
        ("ssm-document-not-shared", "hello"),
        ("ssm-runs-reviewed-documents", "everywhere"),
        ("ssm-runs-reviewed-documents", "nightly"),
        ("ssm-service-settings-reviewed", "public-documents"),
        ("ssm-no-hybrid-activation", "on-prem"),
    },
}


def test_every_program_has_expectations() -> None:
    assert {path.stem for path in PROGRAMS.glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_program_is_blocked_by_the_policies_that_judge_it(name: str, tmp_path: Path) -> None:
    result = run_reviewer_program(name, tmp_path, PROGRAMS)
    mandatory = {(finding.policy, finding.resource_name) for finding in result.findings if finding.mandatory}
    assert not result.passed
    assert EXPECTED[name] <= mandatory, sorted(EXPECTED[name] - mandatory)
