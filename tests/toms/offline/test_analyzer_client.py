"""`toms.offline.analyzer_client`: the engine's side of the Analyzer protocol, against real pack processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.policies.conftest import BASE_CONFIG, PACK_DIR
from tests.policies.samples import COMPLIANT, resource
from tests.toms.preview.test_preview import CRASHING_PACK
from toms.offline.analyzer_client import PolicyPackError, PolicyPackProcess

RDS = "aws:rds/instance:Instance"


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackProcess]:
    with PolicyPackProcess(PACK_DIR, dry_run=True) as process:
        process.configure(BASE_CONFIG)
        yield process


def test_analyze_each_answers_in_order_what_analyze_answers_one_by_one(pack: PolicyPackProcess) -> None:
    # More resources than calls in flight, compliant ones between violating ones.
    subjects = [resource(kind, f"ok-{index}") for index, kind in enumerate(COMPLIANT)]
    subjects += [resource(RDS, f"public-{index}", publiclyAccessible=True) for index in range(5)]
    subjects += [resource(RDS, f"plain-{index}", storageEncrypted=False) for index in range(5)]
    assert len(subjects) > 16
    one_by_one = [pack.analyze(subject) for subject in subjects]
    assert pack.analyze_each(subjects) == one_by_one
    assert pack.analyze_each(iter(subjects)) == one_by_one
    flagged = [index for index, found in enumerate(one_by_one) if any(d.mandatory for d in found)]
    assert flagged == list(range(len(COMPLIANT), len(subjects)))


def test_analyze_each_of_nothing_sends_nothing(pack: PolicyPackProcess) -> None:
    assert pack.analyze_each([]) == []


def test_a_pack_that_dies_while_judging_is_an_error_not_a_hang() -> None:
    with PolicyPackProcess(CRASHING_PACK, dry_run=True) as crashing:
        crashing.configure({})
        subjects = [resource(RDS, f"db-{index}") for index in range(12)]
        with pytest.raises(PolicyPackError, match="Analyze failed: UNAVAILABLE"):
            crashing.analyze_each(subjects)
        # The broken connection comes before the process is reaped: the status is waited for.
        assert crashing.wait_for_exit() == 70
        assert crashing.exit_code == 70
