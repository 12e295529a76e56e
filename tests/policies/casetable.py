"""Case tables: each rule family's test module holds `CASES`, a table per rule of compliant, violating,
unknown and malformed cases, and imports the two tests below, which run every case in-process (the
pack's policies in this process, no gRPC: fast) and over the Analyzer protocol (the shared pack
processes of `conftest.py`: as the engine runs it).

A case's subject is a `ResourceInput` (a resource rule's inputs) or a `StackEdit` (a change to
`samples.compliant_stack()`, for stack rules). What each kind of case asserts, in both phases (preview
and update) unless said otherwise:

- `compliant`: the policy reports nothing;
- `violating` / `malformed`: the policy reports a mandatory finding whose message contains `expect` and
  names its TOM line (and, for a stack case, the URN of the resource `at` names);
- `unknown`: `expect` (a property path) is unknown. A resource rule reports an advisory in preview (it
  runs again before the resource is changed) and blocks at update time (still unknown). A stack rule
  fails closed: it blocks in preview too, saying what could not be established.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import pytest

from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import compliant_stack
from toms.offline.analyzer_client import Diagnostic, PolicyPackProcess, ResourceInput

Kind = Literal["compliant", "violating", "unknown", "malformed"]
KINDS: tuple[Kind, ...] = ("compliant", "violating", "unknown", "malformed")
StackEdit = Callable[[dict[str, ResourceInput]], None]


def unchanged(_: dict[str, ResourceInput]) -> None:
    """The compliant stack as it is."""


@dataclass(frozen=True)
class Case:
    kind: Kind
    subject: ResourceInput | StackEdit
    expect: str = ""
    # Stack cases: the role (in `compliant_stack()`) whose URN the findings name.
    at: str | None = None
    # Pack config for this case, on top of BASE_CONFIG (per policy name).
    config: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""


def compliant(
    subject: ResourceInput | StackEdit, *, config: Mapping[str, Any] | None = None, label: str = ""
) -> Case:
    return Case("compliant", subject, config=config or {}, label=label)


def violating(
    subject: ResourceInput | StackEdit,
    expect: str,
    *,
    at: str | None = None,
    config: Mapping[str, Any] | None = None,
    label: str = "",
) -> Case:
    return Case("violating", subject, expect, at, config or {}, label)


def unknown(
    subject: ResourceInput | StackEdit,
    path: str,
    *,
    at: str | None = None,
    config: Mapping[str, Any] | None = None,
    label: str = "",
) -> Case:
    return Case("unknown", subject, path, at, config or {}, label)


def malformed(
    subject: ResourceInput | StackEdit, expect: str, *, at: str | None = None, label: str = ""
) -> Case:
    return Case("malformed", subject, expect, at, label=label)


def absent(kind: Kind, why: str) -> Case:
    """A kind of case the rule cannot have, and why (for example: a reference that is unknown in preview
    still exists, so an unknown key ARN is not a case of its own). Not run; it documents the table."""
    return Case(kind, unchanged, why, label="absent")


Table = Mapping[str, list[Case]]


def params(table: Table) -> list[Any]:
    """The table's cases as pytest parameters, with ids `<policy>-<kind>-<n>`."""
    result = []
    for policy, cases in table.items():
        counts: dict[str, int] = {}
        for case in cases:
            if case.label == "absent":
                continue
            counts[case.kind] = counts.get(case.kind, 0) + 1
            suffix = case.label or str(counts[case.kind])
            result.append(pytest.param(policy, case, id=f"{policy}-{case.kind}-{suffix}"))
    return result


@contextmanager
def _config(pack: PolicyPackProcess, case: Case) -> Iterator[PolicyPackProcess]:
    if not case.config:
        yield pack
        return
    merged = copy.deepcopy(BASE_CONFIG)
    for policy, entry in case.config.items():
        merged[policy] = {**merged.get(policy, {}), **entry}
    with configured(pack, merged):
        yield pack


def _run(pack: PolicyPackProcess, case: Case) -> tuple[list[Diagnostic], str]:
    """The diagnostics for the case's subject, and the URN a stack finding should name ("" otherwise)."""
    with _config(pack, case) as configured_pack:
        if isinstance(case.subject, ResourceInput):
            return configured_pack.analyze(case.subject), ""
        stack = compliant_stack()
        case.subject(stack)
        urn = stack[case.at].resolved_urn() if case.at else ""
        return configured_pack.analyze_stack(stack.values()), urn


def check(policy: str, case: Case, preview: PolicyPackProcess, update: PolicyPackProcess) -> None:
    """Assert what the case's kind promises (see the module docstring) in both phases."""
    for phase, pack in (("preview", preview), ("update", update)):
        diagnostics, urn = _run(pack, case)
        findings = [d for d in diagnostics if d.policy_name == policy]
        messages = [f"{d.enforcement_level}: {d.message}" for d in findings]
        context = f"{phase}: {messages}"
        if case.kind == "compliant":
            assert findings == [], context
        elif case.kind == "unknown" and phase == "preview" and isinstance(case.subject, ResourceInput):
            assert findings and all(f.enforcement_level == "advisory" for f in findings), context
            assert any(f"{case.expect} unknown until" in f.message for f in findings), context
        elif case.kind == "unknown" and phase == "preview":
            assert findings and all(f.mandatory for f in findings), context
            assert any(f"{case.expect} could not be established in preview" in f.message for f in findings), (
                context
            )
        elif case.kind == "unknown":
            assert findings and all(f.mandatory for f in findings), context
            assert any("still unknown at update time" in f.message for f in findings), context
        else:
            assert findings and all(f.mandatory for f in findings), context
            assert any(case.expect in f.message for f in findings), context
            assert all("[TOM " in f.message for f in findings), context
            if urn:
                assert {f.urn for f in findings} == {urn}, context


def test_case_in_process(
    policy: str, case: Case, in_process_preview: PolicyPackProcess, in_process: PolicyPackProcess
) -> None:
    check(policy, case, in_process_preview, in_process)


def test_case_over_protocol(
    policy: str, case: Case, preview_pack: PolicyPackProcess, pack: PolicyPackProcess
) -> None:
    check(policy, case, preview_pack, pack)
