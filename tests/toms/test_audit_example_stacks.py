"""`toms audit` of each example stack's account, built in moto as the program builds it: all PASS.

A module of its own: the accounts of `test_audit.py` stay up for that whole module, and moto keeps one
state per process, so these accounts (globex's among them, which that module builds drifted) need their own.
"""

from __future__ import annotations

import pytest
from moto import mock_aws

from tests.toms.moto_baseline import build_baseline, fake_aws_environment, stack_config
from tests.toms.test_audit import expected_resources
from toms import audit
from toms.aws import AwsContext


@pytest.mark.parametrize("client", ["acme", "globex", "initech"])
def test_an_account_deployed_from_its_stack_file_passes_against_it(client: str) -> None:
    config = stack_config(client)
    with fake_aws_environment(), mock_aws():
        baseline = build_baseline(config)
        findings = audit.Audit(AwsContext(config.region), client, config).run()

    assert {(finding.check, finding.resource) for finding in findings} == expected_resources(baseline)
    assert [finding for finding in findings if finding.status != "PASS"] == []
