"""The measure catalogue and the pack name each other completely: no orphan policy, no empty measure."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.toms_pack import catalogue
from policies.toms_pack.kit import WAIVED_FINDINGS, WAIVED_STACK_FINDINGS
from policies.toms_pack.pack import all_rules

ANNEX = Path(__file__).resolve().parents[3] / "shared" / "annex-ii-toms.txt"
PACK_POLICIES = {rule.name for rule in all_rules()} | {WAIVED_FINDINGS, WAIVED_STACK_FINDINGS}


def test_every_pack_policy_names_a_measure() -> None:
    orphans = sorted(name for name in PACK_POLICIES if not catalogue.measures_for_policy(name))
    assert orphans == []


def test_every_catalogue_policy_is_in_the_pack() -> None:
    named = {name for measure in catalogue.MEASURES for name in measure.policies}
    assert sorted(named - PACK_POLICIES) == []


def test_every_technical_measure_names_a_policy_or_an_audit_check() -> None:
    empty = [m.id for m in catalogue.MEASURES if m.kind == "technical" and not (m.policies or m.audit_checks)]
    assert empty == []


def test_pack_policy_names_are_unique_and_kebab_case() -> None:
    names = [rule.name for rule in all_rules()]
    assert len(names) == len(set(names))
    assert all(name.replace("-", "").isalnum() and name == name.lower() for name in names)


def test_catalogue_has_the_nineteen_annex_lines() -> None:
    if not ANNEX.is_file():
        pytest.skip(f"{ANNEX} is not present in this checkout; the product never reads it")
    lines = [line[2:] for line in ANNEX.read_text(encoding="utf-8").splitlines() if line.startswith("- ")]
    assert len(catalogue.MEASURES) == 19
    assert [measure.line for measure in catalogue.MEASURES] == lines
