"""Every validation rule of the stack configuration, with the exact message a platform engineer sees."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from components.config import ClientConfig, StackConfigError, parse_client_config
from policies.toms_pack import standards
from tests.components.program_reading import ACME_SOURCE, govcloud_stack_file, problems_for, stack_file
from tests.conftest import EXAMPLE_STACKS, REPO
from toms.offline.mock_runtime import ProgramError, run_program
from toms.project import flatten_stack_config


@pytest.mark.parametrize("stack", EXAMPLE_STACKS)
def test_every_example_stack_is_valid(stack: str) -> None:
    document = yaml.safe_load((REPO / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    config = parse_client_config(flatten_stack_config(document["config"], stack), stack)
    assert config.client == stack


def test_secure_defaults_fill_what_a_stack_leaves_out() -> None:
    config = parse_client_config(flatten_stack_config(stack_file("acme"), ACME_SOURCE), ACME_SOURCE)
    assert config.database.multi_az is True
    assert config.service.replicas == 2
    assert config.network.az_count == 2
    assert config.archive.lock_mode == "COMPLIANCE"
    assert config.load_balancer.tls_policy == standards.DEFAULT_TLS_POLICY
    assert config.retention.archive_retention_days == config.retention.log_days == 90
    assert config.account_id == "111122223333"
    assert config.partition == "aws"


def test_the_partition_comes_from_the_certificate_arn() -> None:
    source = "stacks/Pulumi.acme-gov.yaml"
    config = parse_client_config(flatten_stack_config(govcloud_stack_file(), source), source)
    assert config.partition == "aws-us-gov"
    assert config.account_id == "111122223333"


def test_structured_values_arrive_as_json_text_like_from_the_cli() -> None:
    raw = {
        key: (json.dumps(value) if isinstance(value, dict) else str(value))
        for key, value in stack_file("acme").items()
    }
    assert isinstance(parse_client_config(raw, ACME_SOURCE), ClientConfig)


RULES: list[tuple[str, Any, str]] = [
    (
        "toms:retention.logDays",
        0,
        "toms:retention.logDays: got 0; 0 means 'never expire'; expected a predetermined",
    ),
    (
        "toms:retention.logDays",
        42,
        "toms:retention.logDays: got 42; expected a number of days CloudWatch Logs accepts",
    ),
    ("toms:retention.backupDays", 36, "toms:retention.backupDays: got 36; expected at most 35"),
    ("toms:retention.backupDays", 0, "toms:retention.backupDays: got 0; expected at least 1"),
    (
        "toms:retention.archiveDays",
        60,
        "toms:retention.archiveDays: got 60; expected archiveDays >= logDays (90)",
    ),
    ("toms:service.replicas", 1, "toms:service.replicas: got 1; expected at least 2"),
    ("toms:service.maxReplicas", 1, "toms:service.maxReplicas: got 1; expected at least 2"),
    ("toms:service.cpu", 300, "toms:service.cpu: got 300; expected Fargate CPU units: one of 256, 512, 1024"),
    (
        "toms:service.memory",
        64,
        "toms:service.memory: got 64; expected a memory size (MiB) that Fargate accepts",
    ),
    (
        "toms:service.image",
        "app",
        'toms:service.image: got "app"; expected a container image pinned to a tag',
    ),
    ("toms:service.image", "app:latest", 'toms:service.image: got "app:latest"; expected a container image'),
    ("toms:service.containerPort", 80, "toms:service.containerPort: got 80; expected at least 1024"),
    (
        "toms:service.healthCheckPath",
        "health",
        'toms:service.healthCheckPath: got "health"; expected an absolute',
    ),
    ("toms:database.engine", "mysql", "toms:database.engine: got \"mysql\"; expected 'postgres'"),
    ("toms:database.engineVersion", "9.6", 'toms:database.engineVersion: got "9.6"; expected a PostgreSQL'),
    (
        "toms:database.instanceClass",
        "t3.micro",
        'toms:database.instanceClass: got "t3.micro"; expected an RDS',
    ),
    (
        "toms:database.allocatedStorage",
        10,
        "toms:database.allocatedStorage: got 10; expected at least 20 GiB",
    ),
    ("toms:database.multiAz", "maybe", 'toms:database.multiAz: got "maybe"; expected true or false'),
    ("toms:network.azCount", 1, "toms:network.azCount: got 1; expected at least 2"),
    ("toms:network.cidr", "8.8.0.0/16", 'toms:network.cidr: got "8.8.0.0/16"; expected a private (RFC 1918)'),
    ("toms:network.cidr", "10.0.0.0/8", 'toms:network.cidr: got "10.0.0.0/8"; expected a private (RFC 1918)'),
    (
        "toms:loadBalancer.tlsPolicy",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        'toms:loadBalancer.tlsPolicy: got "ELBSecurityPolicy-TLS13-1-1-2021-06"; expected an ALB security policy '
        "that allows only TLS 1.2 and 1.3",
    ),
    (
        "toms:archive.lockMode",
        "LEGAL_HOLD",
        "toms:archive.lockMode: got \"LEGAL_HOLD\"; expected 'GOVERNANCE' or",
    ),
    ("toms:client", "acme--eu", 'toms:client: got "acme--eu"; expected 2 to 16 lowercase letters'),
    ("toms:client", "Acme Corp", 'toms:client: got "Acme Corp"; expected 2 to 16 lowercase letters'),
    ("aws:region", "Europe", 'aws:region: got "Europe"; expected an AWS region name such as eu-west-1'),
    (
        "toms:certificateArn",
        "arn:aws:acm:eu-west-1:1111:certificate/x",
        'toms:certificateArn: got "arn:aws:acm:eu-west-1:1111:certificate/x"; expected an ACM certificate ARN',
    ),
    (
        "toms:certificateArn",
        "arn:aws:acm:us-east-1:111122223333:certificate/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01",
        "expected a certificate in the stack's region eu-west-1",
    ),
]


def set_key(config: dict[str, Any], dotted: str, value: Any) -> None:
    top, _, nested = dotted.partition(".")
    if nested:
        config.setdefault(top, {})[nested] = value
    else:
        config[top] = value


@pytest.mark.parametrize(
    ("key", "value", "message"), RULES, ids=[f"{key}={value}" for key, value, _ in RULES]
)
def test_each_rule_names_the_key_the_value_and_the_expectation(key: str, value: Any, message: str) -> None:
    config = stack_file("acme")
    set_key(config, key, value)
    problems = problems_for(config)
    assert len(problems) == 1, problems
    assert problems[0].startswith(key)
    assert message in problems[0]


def test_a_typo_is_an_unknown_key_with_a_suggestion_not_a_silent_default() -> None:
    config = stack_file("acme")
    config["toms:retention"]["logDay"] = config["toms:retention"].pop("logDays")
    problems = problems_for(config)
    assert "toms:retention.logDays: missing; this key is required" in problems[0]
    assert problems[1] == (
        "toms:retention.logDay: unknown key; did you mean toms:retention.logDays? expected only the keys in the "
        "configuration reference in README.md"
    )


@pytest.mark.parametrize(
    ("block", "typo", "suggested"),
    [
        ("toms:service", "imag", "toms:service.image"),
        ("toms:service", "healthcheckPath", "toms:service.healthCheckPath"),
        ("toms:database", "multiAZ", "toms:database.multiAz"),
        ("toms:loadBalancer", "tlsPolicies", "toms:loadBalancer.tlsPolicy"),
        ("toms:archive", "lockmode", "toms:archive.lockMode"),
        (None, "toms:certificateARN", "toms:certificateArn"),
        (None, "toms:servce", "toms:service"),
    ],
)
def test_every_suggestion_names_the_full_key(block: str | None, typo: str, suggested: str) -> None:
    config = stack_file("acme")
    level = config.setdefault(block, {}) if block else config
    level[typo] = "x"
    unknown = [problem for problem in problems_for(config) if "unknown key" in problem]
    shown = f"{block}.{typo}" if block else typo
    assert unknown == [
        f"{shown}: unknown key; did you mean {suggested}? expected only the keys in the configuration "
        "reference in README.md"
    ]


def test_an_aws_key_the_provider_ignores_gets_the_full_suggestion_too() -> None:
    config = stack_file("acme")
    config["aws:profil"] = "platform"
    assert problems_for(config) == [
        "aws:profil: not used; did you mean aws:profile? the stack's AWS provider takes only aws:region, "
        "aws:profile from the aws: namespace (tags and account come from the toms: settings)"
    ]


def test_a_dotted_key_from_the_reference_is_shown_as_the_block_to_write() -> None:
    config = stack_file("acme")
    del config["toms:retention"]
    config["toms:retention.logDays"] = 90
    config["toms:retention.backupDays"] = 14
    assert problems_for(config) == [
        "toms:retention.logDays, toms:retention.backupDays: unknown keys; a dotted name in the configuration "
        "reference is a key inside a block, not a key of its own: nest them in a toms:retention block of the "
        "stack file:\n"
        "      config:\n"
        "        toms:retention:\n"
        "          logDays: 90\n"
        "          backupDays: 14"
    ]


def test_the_block_written_from_dotted_keys_is_the_valid_stack_file() -> None:
    """Following the advice gives a stack file the program accepts: the values keep their YAML types."""
    config = stack_file("acme")
    service = config.pop("toms:service")
    for key, value in service.items():
        config[f"toms:service.{key}"] = value
    config["toms:database.engineVersion"] = 16.8
    fixed = {key: value for key, value in config.items() if "." not in key}
    for advice in problems_for(config):
        written = yaml.safe_load("\n".join(line.removeprefix("      ") for line in advice.splitlines()[1:]))
        fixed |= written["config"]
    assert fixed["toms:database"] == {"engineVersion": "16.8"}
    assert (
        parse_client_config(flatten_stack_config(fixed, ACME_SOURCE), ACME_SOURCE).service.image
        == (service["image"])
    )


def test_a_dotted_key_beside_its_block_is_to_be_moved_into_it() -> None:
    config = stack_file("acme")
    config["toms:service.replicas"] = 3
    (problem,) = problems_for(config)
    assert problem.startswith(
        "toms:service.replicas: unknown key; a dotted name in the configuration reference is a key inside a "
        "block, not a key of its own: nest it in the existing toms:service block of the stack file:\n"
    )
    assert problem.endswith("        toms:service:\n          replicas: 3")


def test_a_dotted_key_the_cli_passed_as_text_is_shown_as_written() -> None:
    raw = flatten_stack_config(stack_file("acme"), ACME_SOURCE)
    raw["toms:database.multiAz"] = "true"
    raw["toms:service.environment.LOG_LEVEL"] = "info"
    problems = problems_for_cli_text(raw)
    assert problems[0].endswith("        toms:database:\n          multiAz: true")
    assert problems[1].endswith("        toms:service:\n          environment:\n            LOG_LEVEL: info")


def problems_for_cli_text(raw: dict[str, str]) -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        parse_client_config(raw, ACME_SOURCE)
    return caught.value.problems


@pytest.mark.parametrize("client", ["other", "acme-eu", "Acme"])
def test_the_client_must_be_the_stacks_name(client: str) -> None:
    config = stack_file("acme")
    config["toms:client"] = client
    with pytest.raises(StackConfigError) as caught:
        parse_client_config(flatten_stack_config(config, ACME_SOURCE), ACME_SOURCE, stack="acme")
    assert (
        f'toms:client: got "{client}"; expected "acme", the stack\'s name: the audit, the report and the '
        "policy pack config (stacks/policy-config/acme.json) find a client by its stack name"
    ) in caught.value.problems


def test_the_program_refuses_a_stack_whose_client_is_another() -> None:
    config = stack_file("acme")
    config["toms:client"] = "other"
    with pytest.raises(ProgramError) as caught:
        run_program(REPO, "acme", flatten_stack_config(config, ACME_SOURCE))
    assert str(caught.value) == (
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration; nothing was created:\n"
        '  - toms:client: got "other"; expected "acme", the stack\'s name: the audit, the report and the policy '
        "pack config (stacks/policy-config/acme.json) find a client by its stack name"
    )
    assert caught.value.registered == ()


def test_only_the_program_says_nothing_was_created() -> None:
    """A tool that reads a stack file (audit, report) creates nothing either way: the error says only
    what is wrong; the program, which would have created resources, says that it did not."""
    config = stack_file("acme")
    config["toms:service"]["replicas"] = 1
    with pytest.raises(StackConfigError) as caught:
        parse_client_config(flatten_stack_config(config, ACME_SOURCE), ACME_SOURCE)
    assert str(caught.value) == (
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration:\n"
        "  - toms:service.replicas: got 1; expected at least 2"
    )
    assert caught.value.describe("nothing was created").startswith(
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration; nothing was created:\n"
    )


def test_an_unknown_top_level_key_in_the_namespace_is_refused() -> None:
    config = stack_file("acme")
    config["toms:retenton"] = {"logDays": 30}
    assert problems_for(config) == [
        "toms:retenton: unknown key; did you mean toms:retention? expected only the keys in the configuration "
        "reference in README.md"
    ]


def test_keys_of_other_namespaces_are_left_to_their_owners() -> None:
    config = stack_file("acme")
    config["aws:profile"] = "platform"
    config["other:setting"] = "x"
    assert parse_client_config(flatten_stack_config(config, ACME_SOURCE), ACME_SOURCE).client == "acme"


def test_aws_settings_the_provider_would_ignore_are_refused_not_dropped() -> None:
    config = stack_file("acme")
    config["aws:defaultTags"] = {"tags": {"team": "platform"}}
    config["aws:skipCredentialsValidation"] = True
    assert problems_for(config) == [
        "aws:defaultTags: not used; the stack's AWS provider takes only aws:region, aws:profile from the aws: "
        "namespace (tags and account come from the toms: settings)",
        "aws:skipCredentialsValidation: not used; the stack's AWS provider takes only aws:region, aws:profile "
        "from the aws: namespace (tags and account come from the toms: settings)",
    ]


def test_missing_client_is_required() -> None:
    config = stack_file("acme")
    del config["toms:client"]
    assert problems_for(config) == [
        "toms:client: missing; this key is required (see the configuration reference in README.md)"
    ]


def test_all_problems_are_reported_at_once() -> None:
    config = stack_file("acme")
    del config["toms:client"]
    config["toms:retention"] = {"logDays": 42, "backupDays": 36}
    config["toms:service"]["replicas"] = 1
    problems = problems_for(config)
    assert [problem.split(":")[0] + ":" + problem.split(":")[1] for problem in problems] == [
        "toms:client",
        "toms:retention.logDays",
        "toms:retention.backupDays",
        "toms:service.replicas",
    ]


def test_maximum_replicas_below_replicas_is_refused() -> None:
    config = stack_file("acme")
    config["toms:service"].update(replicas=4, maxReplicas=3)
    assert problems_for(config) == [
        "toms:service.maxReplicas: got 3; expected maxReplicas >= replicas (4), so scaling can never drop below "
        "the replica requirement"
    ]


def test_the_baselines_own_variables_and_duplicates_are_refused() -> None:
    config = stack_file("acme")
    config["toms:service"]["environment"] = {"DATABASE_HOST": "elsewhere", "LOG_LEVEL": "info"}
    config["toms:service"]["secrets"] = {
        "LOG_LEVEL": "arn:aws:ssm:eu-west-1:111122223333:parameter/acme/log-level",
    }
    assert problems_for(config) == [
        "toms:service.environment: got a structure; DATABASE_HOST is set by the baseline from the client's "
        "database; expected other names",
    ]
    config["toms:service"]["environment"] = {"LOG_LEVEL": "info"}
    assert problems_for(config) == [
        "toms:service.secrets: got a structure; LOG_LEVEL is also in environment; expected each variable in "
        "only one of the two",
    ]


def test_secrets_must_be_references_not_values() -> None:
    config = stack_file("acme")
    config["toms:service"]["secrets"] = {"DATABASE_URL": "postgres://user:hunter2@db/app"}
    assert (
        "expected each secret to be a Secrets Manager secret or SSM parameter ARN" in problems_for(config)[0]
    )


REFUSED_BEFORE_ANY_RESOURCE = [
    ("toms:retention.logDay", 90, "toms:retention.logDay: unknown key"),
    ("toms:client", None, "toms:client: missing"),
    ("toms:retention.logDays", 0, "toms:retention.logDays: got 0"),
    ("toms:retention.logDays", 42, "toms:retention.logDays: got 42"),
    ("toms:service.replicas", 1, "toms:service.replicas: got 1"),
    ("toms:retention.backupDays", 36, "toms:retention.backupDays: got 36"),
]


@pytest.mark.parametrize(("key", "value", "message"), REFUSED_BEFORE_ANY_RESOURCE)
def test_the_program_refuses_a_bad_stack_before_registering_anything(
    key: str, value: Any, message: str
) -> None:
    config = stack_file("acme")
    if value is None:
        del config[key]
    else:
        set_key(config, key, value)
    with pytest.raises(ProgramError) as caught:
        run_program(REPO, "acme", flatten_stack_config(config, ACME_SOURCE))
    assert str(caught.value).startswith("stacks/Pulumi.acme.yaml: ")
    assert message in str(caught.value)
    assert "Traceback" not in str(caught.value)
    assert caught.value.registered == ()


def test_more_zones_than_the_region_has_is_refused_before_any_cloud_resource() -> None:
    config = stack_file("acme")
    config["toms:network"] = {"azCount": 4}
    with pytest.raises(ProgramError) as caught:
        run_program(REPO, "acme", flatten_stack_config(config, ACME_SOURCE))
    assert str(caught.value) == (
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration; nothing was created:\n"
        "  - toms:network.azCount: got 4; expected at most 3, the zones available to this account in eu-west-1"
    )
    # Only the provider, which creates nothing in the account, is registered before the zones are known.
    assert [resource.type for resource in caught.value.registered] == ["pulumi:providers:aws"]
