"""Every example stack's resources, as the real program registers them, pass the pack with its client config."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from tests.conftest import EXAMPLE_STACKS, run_example_stack
from tests.policies.conftest import PACK_DIR
from toms.offline.analyzer_client import PolicyPackProcess, ResourceInput, to_wire
from toms.offline.mock_runtime import ProgramRun, RegisteredResource
from toms.preview.run import preview, stack_target

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
def test_example_stack_has_no_mandatory_violation(stack: str) -> None:
    run = run_example_stack(stack)
    pairs = list(resource_inputs(run))
    assert pairs, f"the {stack} program registered no resources"
    config = json.loads((REPO / "stacks" / "policy-config" / f"{stack}.json").read_text())
    with PolicyPackProcess(PACK_DIR, dry_run=False, project=run.project, stack=stack) as pack:
        pack.configure(config)
        findings = [d for inputs, _ in pairs for d in pack.analyze(inputs)]
        findings += pack.analyze_stack(outputs for _, outputs in pairs)
    mandatory = [f"{d.policy_name} {d.urn}: {d.message}" for d in findings if d.mandatory]
    assert mandatory == []


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_first_preview_of_every_example_stack_is_decided_with_no_finding_at_all(stack: str) -> None:
    """The preview is the gate before anything exists: values AWS decides are unknown, and still every
    policy decides (no advisory 'checked again at update time') and finds nothing, mandatory or not."""
    result = preview(stack_target(stack))
    assert [f"{f.policy} on {f.resource_name}: {f.message}" for f in result.findings] == []
    assert result.passed
