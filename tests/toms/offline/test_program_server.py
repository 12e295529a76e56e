"""`ProgramServer`: one program interpreter runs stack after stack (a worker of `preview --all`), each run as
fresh as in a new interpreter, and a run that kills the interpreter fails alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from toms.offline.invoke_answers import AwsPlace
from toms.offline.program_process import ProgramServer
from toms.offline.records import ProgramError
from toms.project import read_project

# Names one component after the interpreter's process and the stack's own config; a counter in the
# program's own module shows whether its state leaks from one run into the next.
PROGRAM = """
import os
import pulumi

import counter

counter.runs += 1
stack = pulumi.get_stack()
if stack == "exits":
    os._exit(4)
colour = pulumi.Config().require("colour")
pulumi.ComponentResource("test:index:Probe", f"{stack}-{colour}-pid{os.getpid()}-run{counter.runs}")
"""
PLACE = AwsPlace(region="eu-west-1", account="111122223333", partition="aws")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ProgramServer]:
    (tmp_path / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    (tmp_path / "counter.py").write_text("runs = 0\n")
    programs = ProgramServer(read_project(tmp_path))
    yield programs
    programs.close()


def probe(programs: ProgramServer, stack: str, colour: str) -> str:
    outcome = programs.start(stack, {"probe:colour": colour}, PLACE).collect()
    (component,) = [resource for resource in outcome.resources if resource.type == "test:index:Probe"]
    return component.name


def test_one_interpreter_runs_each_stack_with_its_own_config(server: ProgramServer) -> None:
    first = probe(server, "red", "crimson")
    second = probe(server, "blue", "navy")

    assert first.startswith("red-crimson-pid") and second.startswith("blue-navy-pid")
    assert first.split("-")[2] == second.split("-")[2]  # the same interpreter process
    # The program's own modules are imported afresh for each run: no state of the last run carries over.
    assert (first.endswith("run1"), second.endswith("run1")) == (True, True)


def test_a_run_that_ends_the_interpreter_fails_alone_and_the_next_gets_a_new_one(
    server: ProgramServer,
) -> None:
    before = probe(server, "red", "crimson")

    with pytest.raises(ProgramError, match=r"ended \(exit status 4\) before the program finished"):
        server.start("exits", {"probe:colour": "none"}, PLACE).collect()
    after = probe(server, "blue", "navy")

    assert before.split("-")[2] != after.split("-")[2]
    assert after.endswith("run1")
