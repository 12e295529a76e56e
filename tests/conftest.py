"""Shared fixtures: the real program, run offline under Pulumi's mock runtime, once per example stack; one
policy pack process that in-process previews share."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

from toms.offline.analyzer_client import PolicyPackProcess
from toms.offline.mock_runtime import ProgramRun, run_program
from toms.preview.targets import default_pack
from toms.project import stack_names

REPO = Path(__file__).resolve().parent.parent
STACKS_DIR = REPO / "stacks"
EXAMPLE_STACKS = tuple(stack_names(STACKS_DIR))


@functools.cache
def run_example_stack(stack: str, preview: bool = False) -> ProgramRun:
    """The program's registrations for an example stack; cached, since every run of a stack is the same."""
    return run_program(REPO, stack, preview=preview)


@pytest.fixture(params=EXAMPLE_STACKS)
def stack_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Every example stack in `stacks/`, as the program registers it for `pulumi up`."""
    return run_example_stack(request.param)


@pytest.fixture(params=EXAMPLE_STACKS)
def preview_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Every example stack as `pulumi preview` sees it: values the cloud decides are unknown."""
    return run_example_stack(request.param, preview=True)


@pytest.fixture(scope="session")
def reused_pack() -> Iterator[PolicyPackProcess]:
    """One pack process that judges preview after preview (`preview(..., pack=reused_pack)`), each handed
    its stack and its policy config as a `preview --all` worker's pack is: starting a pack costs as much as
    judging a small program. tests/toms/preview/test_fleet.py shows such a pack judges as a fresh one."""
    pack = PolicyPackProcess(default_pack(), dry_run=True)
    try:
        yield pack
    finally:
        pack.close()
