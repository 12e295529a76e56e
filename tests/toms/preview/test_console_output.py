"""What `toms preview` prints and writes, as a newcomer and a diff read it: exit 0 for an example stack and 1
for the non-compliant program, each with reports valid against their schemas; the same output for the same
stack on every run (URN order), one TOM reference per finding, `--quiet` for findings and verdicts only,
and a missing `--program` folder named as such. Each command line runs once for the tests that read it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import REPO
from tests.toms.preview.test_preview import (
    EXPECTED_POLICIES,
    noncompliant_preview,
    run_cli,
    validate_report,
    validate_sarif,
)
from toms.preview.model import StackPreview

NONCOMPLIANT = REPO / "tests" / "fixtures" / "noncompliant_program"
# The verdict line ends with the run's own duration, the one part that may differ between runs.
ELAPSED = re.compile(r" \(\d+\.\d s\)$", re.MULTILINE)


@pytest.fixture(scope="module")
def noncompliant() -> StackPreview:
    return noncompliant_preview()


class CliRun(NamedTuple):
    completed: subprocess.CompletedProcess[str]
    json: Path
    sarif: Path


def cli_run(folder: Path, *args: str | Path) -> CliRun:
    """`toms preview ARGS --json --sarif` into `folder`."""
    json_path, sarif_path = folder / "r.json", folder / "r.sarif"
    return CliRun(run_cli(*args, "--json", json_path, "--sarif", sarif_path), json_path, sarif_path)


# Each command line runs once for the tests of this module that read what it printed and wrote.
@pytest.fixture(scope="module")
def acme_cli(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    return cli_run(tmp_path_factory.mktemp("acme"), "--stack", "acme")


@pytest.fixture(scope="module")
def noncompliant_cli(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    return cli_run(tmp_path_factory.mktemp("noncompliant"), "--program", NONCOMPLIANT)


@pytest.fixture(scope="module")
def noncompliant_output(noncompliant_cli: CliRun) -> str:
    """What `toms preview --program` prints for the non-compliant program (it exits 1)."""
    assert noncompliant_cli.completed.returncode == 1, noncompliant_cli.completed.stderr
    return noncompliant_cli.completed.stdout


def test_cli_previews_a_stack_with_exit_0_and_valid_reports(acme_cli: CliRun) -> None:
    stack = "acme"
    completed = acme_cli.completed
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert f"{stack}: PASS" in completed.stdout
    assert "toms:network:Network" in completed.stdout
    assert "\x1b[" not in completed.stdout  # no colour off a terminal
    report = json.loads((acme_cli.json).read_text())
    validate_report(report)
    assert report["summary"] == {"stacks": 1, "errors": 0, "mandatory": 0,
                                 "advisory": report["summary"]["advisory"], "verdict": "pass"}  # fmt: skip
    log = json.loads((acme_cli.sarif).read_text())
    validate_sarif(log)
    assert not [r for r in log["runs"][0]["results"] if r["level"] == "error"]


def test_two_runs_of_the_same_stack_print_and_write_the_same(acme_cli: CliRun, tmp_path: Path) -> None:
    again = cli_run(tmp_path, "--stack", "acme")
    runs = [acme_cli.completed, again.completed]
    assert [run.returncode for run in runs] == [0, 0], runs[1].stderr
    assert ELAPSED.sub("", runs[0].stdout) == ELAPSED.sub("", runs[1].stdout)
    documents = [json.loads(path.read_text()) for path in (acme_cli.json, again.json)]
    assert documents[0] == documents[1]
    (acme,) = documents[0]["previews"]
    urns = [resource["urn"] for resource in acme["resources"]]
    assert urns == sorted(urns)
    finding_urns = [finding["urn"] for finding in acme["findings"]]
    assert finding_urns == sorted(finding_urns)


def test_noncompliant_program_exits_1_naming_each_policy(noncompliant_cli: CliRun) -> None:
    completed = noncompliant_cli.completed
    assert completed.returncode == 1, completed.stderr
    assert "MANDATORY" in completed.stdout
    for policy in EXPECTED_POLICIES:
        assert policy in completed.stdout
    assert "dev: FAIL" in completed.stdout
    report = json.loads((noncompliant_cli.json).read_text())
    validate_report(report)
    found = {(f["policy"], f["resourceName"]) for f in report["previews"][0]["findings"]}
    assert set(EXPECTED_POLICIES.items()) <= found
    log = json.loads((noncompliant_cli.sarif).read_text())
    validate_sarif(log)


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
    completed = run_cli("--program", NONCOMPLIANT, "--quiet")
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[0] == f"MANDATORY ({noncompliant.count('mandatory')})"
    assert lines[-1].startswith("dev: FAIL - 9 resources, ")
    assert not any(line.startswith(("Preview of", "Policy pack", "├", "└", "type ")) for line in lines)
    # Each line is a finding's headline, its message or its TOM line.
    assert all(line.startswith(("MANDATORY", "  ✗ ", "      ")) for line in lines[:-1])


def test_quiet_on_a_passing_stack_is_the_advisories_and_the_verdict() -> None:
    completed = run_cli("--stack", "initech", "--quiet")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[-1].startswith("initech: PASS - ")
    assert all(line.startswith(("ADVISORY", "  ! ", "      ")) for line in lines[:-1])


def test_a_program_folder_that_does_not_exist_is_named_as_such(tmp_path: Path) -> None:
    completed = run_cli("--program", "no/such/folder", cwd=tmp_path)
    assert completed.returncode == 2
    assert completed.stderr == "error: --program no/such/folder: the folder does not exist\n"
