"""`toms audit` of each example stack's account, built in moto as the program builds it: all PASS.

A module of its own: the accounts of `test_audit.py` stay up for that whole module, and moto keeps one
state per process, so these accounts (globex's among them, which that module builds drifted) need their own.
"""

from __future__ import annotations

import pytest
from moto import mock_aws

from tests.toms.live.test_audit import expected_resources
from tests.toms.moto_baseline import build_baseline, fake_aws_environment, in_account, stack_config
from toms.live.auditor import run_audit
from toms.live.session import AwsSession


@pytest.mark.parametrize("client", ["acme", "globex", "initech"])
def test_an_account_deployed_from_its_stack_file_passes_against_it(client: str) -> None:
    config = stack_config(client)
    with fake_aws_environment(), mock_aws(), in_account(config.account_id):
        baseline = build_baseline(config)
        result = run_audit(AwsSession(config.region), client, config)
    findings = result.findings

    assert (result.account, result.partition, result.region) == (config.account_id, "aws", config.region)

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(baseline)
    assert [finding for finding in findings if finding.status != "PASS"] == []
