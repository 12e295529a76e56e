"""Issue 15's gaps in transit, snapshots and the log export, as real Pulumi programs run through `toms preview
--program`: the stores' own outputs join their policies, snapshots and subscription filters in preview as
the engine sends them. The unprotected program is blocked by the policy that judges each resource; the
protected one, written the way the remediations say, gets no finding from these policies."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO
from tests.policies.test_reviewer_programs import run_reviewer_program
from toms.offline.analyzer_client import PolicyPackProcess

PROGRAMS = REPO / "tests" / "fixtures" / "transit_snapshot_export_programs"
POLICIES = ("datastore-policy-requires-tls", "rds-snapshot-encrypted-cmk", "log-subscription-to-archive")


def test_the_unprotected_program_is_blocked_by_the_policy_that_judges_each_resource(
    tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    result = run_reviewer_program("unprotected", tmp_path, reused_pack, PROGRAMS)
    mandatory = {(finding.policy, finding.resource_name) for finding in result.findings if finding.mandatory}
    assert not result.passed
    assert {
        ("datastore-policy-requires-tls", "jobs-policy"),
        ("datastore-policy-requires-tls", "jobs"),
        ("datastore-policy-requires-tls", "notices"),
        ("datastore-policy-requires-tls", "shared-files"),
        ("rds-snapshot-encrypted-cmk", "orders-before-upgrade"),
        ("rds-snapshot-encrypted-cmk", "legacy-cluster-copy"),
        ("log-subscription-to-archive", "app-to-function"),
    } <= mandatory, sorted(mandatory)


def test_the_protected_program_gets_no_finding_from_these_policies(
    tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    result = run_reviewer_program("protected", tmp_path, reused_pack, PROGRAMS)
    assert result.findings, "the preview judged nothing"
    assert [
        (finding.policy, finding.resource_name, finding.message)
        for finding in result.findings
        if finding.policy in POLICIES
    ] == []
