"""Shared fixtures: the real program, run offline under Pulumi's mock runtime, once per example stack; one
policy pack process that in-process previews share."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

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


# With pytest-xdist's `--dist loadfile` (make test), each test module runs whole on one worker. These groups
# of modules also share one worker, because they share what each test process computes once: the example
# stacks' program runs (`run_example_stack`) and previews (`example_stack_preview`). On different workers
# each would compute them again.
SHARED_WORKER_GROUPS: dict[str, tuple[str, ...]] = {
    "example stack runs": (
        "tests/components/",
        "tests/policies/test_example_stacks.py",
        "tests/toms/test_catalogue_links.py",
    ),
    "example stack previews": (
        "tests/toms/report/",
        "tests/toms/preview/test_preview.py",
        "tests/toms/preview/test_outputs.py",
        "tests/toms/test_artifact_schemas.py",
    ),
}


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedWorkerGroups(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return next(
                (group for group, paths in SHARED_WORKER_GROUPS.items() if module.startswith(paths)), module
            )

    return SharedWorkerGroups(config, log)
