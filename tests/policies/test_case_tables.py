"""Every rule has its case table, in the test module named after its rule module, with compliant,
violating, unknown and malformed cases (or an `absent(kind, why)` entry saying why a kind cannot occur);
and every case table belongs to a rule that exists."""

from __future__ import annotations

import importlib
from pathlib import Path

from policies.toms_pack.pack import all_rules
from tests.policies.casetable import KINDS, Case

RULE_TESTS = Path(__file__).parent / "rules"


def _tables() -> dict[str, dict[str, list[Case]]]:
    return {
        path.stem.removeprefix("test_"): importlib.import_module(f"tests.policies.rules.{path.stem}").CASES
        for path in sorted(RULE_TESTS.glob("test_*.py"))
    }


def test_every_rule_has_a_table_in_its_family_module() -> None:
    tables = _tables()
    for rule in all_rules():
        family = rule.check.__module__.rsplit(".", 1)[1]
        assert family in tables, f"tests/policies/rules/test_{family}.py is missing (for {rule.name})"
        cases = tables[family].get(rule.name)
        assert cases, f"tests/policies/rules/test_{family}.py has no case table for {rule.name}"
        kinds = {case.kind for case in cases}
        missing = [kind for kind in KINDS if kind not in kinds]
        assert not missing, f"{rule.name} has no {' or '.join(missing)} case (or an absent(kind, why) entry)"


def test_every_table_names_a_rule_of_its_family() -> None:
    families = {rule.name: rule.check.__module__.rsplit(".", 1)[1] for rule in all_rules()}
    for family, table in _tables().items():
        for policy in table:
            assert families.get(policy) == family, f"test_{family}.py has a table for {policy}, not its rule"
