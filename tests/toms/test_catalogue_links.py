"""The measure catalogue against the tools that read it: the audit's checks and the report's values.

`tests/policies/test_catalogue.py` ties the catalogue to the policy pack; this ties it to the rest.
"""

from __future__ import annotations

import pytest

from policies.toms_pack import catalogue
from tests.conftest import EXAMPLE_STACKS, run_example_stack
from toms.live.checks import load_checks
from toms.report.values import ASPECTS, MEASURE_ASPECTS

TECHNICAL = [measure for measure in catalogue.MEASURES if measure.kind == "technical"]


def test_every_audit_check_names_a_measure() -> None:
    orphans = [check for check in load_checks() if not catalogue.measures_for_audit_check(check)]
    assert orphans == []


def test_every_catalogue_check_is_registered_by_a_service_module_or_is_the_drill() -> None:
    named = {check for measure in catalogue.MEASURES for check in measure.audit_checks}
    assert sorted(named - set(load_checks()) - {catalogue.RESTORE_DRILL}) == []


@pytest.mark.parametrize("measure", TECHNICAL, ids=lambda measure: measure.id)
def test_a_technical_measure_names_its_components_and_the_report_shows_values_for_it(
    measure: catalogue.Measure,
) -> None:
    assert measure.components, "a technical measure must name the components that build it"
    # A measure only live evidence can show (the yearly restore test) shows that evidence instead.
    assert MEASURE_ASPECTS.get(measure.id) or measure.needs_live_evidence, (
        "the report must show how it is built"
    )


def test_organisational_measures_name_what_backs_them_and_nothing_technical() -> None:
    for measure in catalogue.MEASURES:
        if measure.kind == "organisational":
            assert measure.organisational_part
            assert not (measure.components or measure.policies or measure.audit_checks)
            assert measure.id not in MEASURE_ASPECTS


def test_report_aspects_belong_to_known_measures() -> None:
    assert set(MEASURE_ASPECTS) <= set(catalogue.MEASURES_BY_ID)
    assert {aspect for aspects in MEASURE_ASPECTS.values() for aspect in aspects} <= set(ASPECTS)


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_component_the_catalogue_names_is_a_type_the_program_registers(stack: str) -> None:
    registered = {resource.type for resource in run_example_stack(stack, preview=True).resources}
    named = {component for measure in catalogue.MEASURES for component in measure.components}
    assert sorted(named - registered) == []
