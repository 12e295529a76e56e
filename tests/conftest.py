"""Shared fixtures: the real program, run offline under Pulumi's mock runtime, once per example stack; one
policy pack process that in-process previews share."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from toms.offline.analyzer_client import PolicyPackProcess
from toms.offline.mock_runtime import ProgramRun, run_program
from toms.preview.model import StackPreview
from toms.preview.run import preview, stack_target
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


# One pack process that judges preview after preview, each handed its stack and its policy config as a
# `preview --all` worker's pack is: starting a pack costs as much as judging a small program, and
# tests/toms/preview/test_fleet.py shows that such a pack judges as a fresh one. Started on first use.
_REUSED_PACK: list[PolicyPackProcess] = []


def reused_pack_process() -> PolicyPackProcess:
    """This test process's reused pack (`preview(..., pack=reused_pack_process())`)."""
    if not _REUSED_PACK:
        _REUSED_PACK.append(PolicyPackProcess(default_pack(), dry_run=True))
    return _REUSED_PACK[0]


@pytest.fixture(scope="session")
def reused_pack() -> PolicyPackProcess:
    return reused_pack_process()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for pack in _REUSED_PACK:
        pack.close()


@functools.cache
def example_stack_preview(stack: str) -> StackPreview:
    """An example stack as `toms preview --stack` judges it (by the reused pack), once per test process."""
    return preview(stack_target(stack), pack=reused_pack_process())
