"""Every example stack's resources, as the real program registers them, pass the pack with its client config
(the first preview of each, which must find nothing at all, is in tests/toms/preview/test_preview.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from tests.conftest import EXAMPLE_STACKS, run_example_stack
from tests.policies.conftest import configured
from toms.offline.analyzer_client import PolicyPackProcess, ResourceInput, to_wire
from toms.offline.mock_runtime import ProgramRun, RegisteredResource

REPO = Path(__file__).resolve().parents[2]


def _provider_of(run: ProgramRun, registered: RegisteredResource) -> ResourceInput | None:
    urn = registered.provider.rsplit("::", 1)[0] if registered.provider else ""
    provider = next((r for r in run.resources if r.urn == urn), None)
    if provider is None:
        return None
    return ResourceInput(
        provider.type, provider.name, json_format.MessageToDict(provider.properties), urn=urn
    )


def resource_inputs(run: ProgramRun) -> Iterator[tuple[ResourceInput, ResourceInput]]:
    """For each custom resource: its inputs (for Analyze) and its outputs (for AnalyzeStack)."""
    for registered in run.resources:
        if not registered.custom or registered.type.startswith("pulumi:providers:"):
            continue
        common: dict[str, Any] = {
            "urn": registered.urn,
            "provider": _provider_of(run, registered),
            "parent": registered.parent,
            "dependencies": registered.dependencies,
        }
        inputs = json_format.MessageToDict(registered.properties)
        outputs = to_wire(dict(registered.outputs))
        yield (
            ResourceInput(registered.type, registered.name, inputs, **common),
            ResourceInput(registered.type, registered.name, outputs, **common),
        )


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_example_stack_has_no_mandatory_violation(stack: str, pack: PolicyPackProcess) -> None:
    """The session's pack process, as `pulumi up` runs it, given this client's pack config."""
    run = run_example_stack(stack)
    pairs = list(resource_inputs(run))
    assert pairs, f"the {stack} program registered no resources"
    config = json.loads((REPO / "stacks" / "policy-config" / f"{stack}.json").read_text())
    with configured(pack, config) as judge:
        findings = [d for inputs, _ in pairs for d in judge.analyze(inputs)]
        findings += judge.analyze_stack(outputs for _, outputs in pairs)
    mandatory = [f"{d.policy_name} {d.urn}: {d.message}" for d in findings if d.mandatory]
    assert mandatory == []
