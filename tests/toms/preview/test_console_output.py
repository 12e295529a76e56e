"""What `toms preview` prints and writes, as a newcomer and a diff read it: the same output for the same
stack on every run (URN order), one TOM reference per finding, `--quiet` for findings and verdicts only,
and a missing `--program` folder named as such."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from toms.preview.model import StackPreview
from toms.preview.run import preview, program_target

NONCOMPLIANT = REPO / "tests" / "fixtures" / "noncompliant_program"
# The verdict line ends with the run's own duration, the one part that may differ between runs.
ELAPSED = re.compile(r" \(\d+\.\d s\)$", re.MULTILINE)


def toms_preview(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return subprocess.run(
        [sys.executable, "-m", "toms", "preview", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def noncompliant() -> StackPreview:
    return preview(program_target(NONCOMPLIANT, None, [], None, None))


@pytest.fixture(scope="module")
def noncompliant_output() -> str:
    """What `toms preview --program` prints for the non-compliant program (it exits 1)."""
    completed = toms_preview("--program", NONCOMPLIANT)
    assert completed.returncode == 1, completed.stderr
    return completed.stdout


def test_two_runs_of_the_same_stack_print_and_write_the_same(tmp_path: Path) -> None:
    runs = [toms_preview("--stack", "acme", "--json", tmp_path / f"run{index}.json") for index in (1, 2)]
    assert [run.returncode for run in runs] == [0, 0], runs[0].stderr
    assert ELAPSED.sub("", runs[0].stdout) == ELAPSED.sub("", runs[1].stdout)
    documents = [json.loads((tmp_path / f"run{index}.json").read_text()) for index in (1, 2)]
    assert documents[0] == documents[1]
    (acme,) = documents[0]["previews"]
    urns = [resource["urn"] for resource in acme["resources"]]
    assert urns == sorted(urns)
    finding_urns = [finding["urn"] for finding in acme["findings"]]
    assert finding_urns == sorted(finding_urns)


def test_sarif_results_come_in_urn_order(noncompliant: StackPreview) -> None:
    from toms.preview import sarif

    run = sarif.stack_run(noncompliant).document()
    names = [result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for result in run["results"]]
    assert names == sorted(names)


def test_the_tree_lists_each_level_in_urn_order_under_the_stack(noncompliant_output: str) -> None:
    tree = noncompliant_output.split("\n\n")[1].splitlines()
    assert tree[0] == "pulumi:pulumi:Stack noncompliant-dev"
    children = [line.removeprefix("├── ").removeprefix("└── ") for line in tree[1:]]
    # The mock runtime's URNs carry the parent's type (`pulumi:pulumi:Stack$aws:...`), so the provider,
    # a top-level resource of its own, sorts first.
    assert children == [
        "pulumi:providers:aws default_7_51_1",
        "aws:cloudwatch/logGroup:LogGroup web",
        "aws:ec2/securityGroup:SecurityGroup bastion",
        "aws:ecs/service:Service web",
        "aws:lb/listener:Listener web-http",
        "aws:lb/loadBalancer:LoadBalancer web",
        "aws:lb/targetGroup:TargetGroup web",
        "aws:rds/instance:Instance orders-db",
    ]


def test_each_finding_names_each_of_its_tom_lines_once(
    noncompliant: StackPreview, noncompliant_output: str
) -> None:
    blocks = re.split(r"\n  [✗!] ", noncompliant_output.split("MANDATORY (")[1])[1:]
    assert len(blocks) == noncompliant.count("mandatory")
    for block in blocks:
        named = re.findall(r"TOM ([a-z-]+):", block)
        assert named and len(named) == len(set(named)), block


def test_quiet_prints_only_the_findings_and_the_verdict(noncompliant: StackPreview) -> None:
    completed = toms_preview("--program", NONCOMPLIANT, "--quiet")
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[0] == f"MANDATORY ({noncompliant.count('mandatory')})"
    assert lines[-1].startswith("dev: FAIL - 9 resources, ")
    assert not any(line.startswith(("Preview of", "Policy pack", "├", "└", "type ")) for line in lines)
    # Each line is a finding's headline, its message or its TOM line.
    assert all(line.startswith(("MANDATORY", "  ✗ ", "      ")) for line in lines[:-1])


def test_quiet_on_a_passing_stack_is_the_advisories_and_the_verdict() -> None:
    completed = toms_preview("--stack", "initech", "--quiet")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[-1].startswith("initech: PASS - ")
    assert all(line.startswith(("ADVISORY", "  ! ", "      ")) for line in lines[:-1])


def test_a_program_folder_that_does_not_exist_is_named_as_such(tmp_path: Path) -> None:
    completed = toms_preview("--program", "no/such/folder", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr == "error: --program no/such/folder: the folder does not exist\n"
