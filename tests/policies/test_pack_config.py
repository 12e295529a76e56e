"""Problem 4 of issue 14: config narrows, never loosens. The pack's Configure refuses a config that would
switch enforcement off or down, misspell a property, invert bounds or open a data store to the internet;
`toms preview` stops with exit 2 and the pack's message (`toms deploy check` gives the same, see
tests/toms/test_deploy.py). A level below mandatory with a reason and an expiry is an exemption, reported
as advisory on every run."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.policies.conftest import BASE_CONFIG, configured
from tests.policies.samples import PROVIDER, compliant_stack, resource
from tests.toms.preview.test_preview import NONCOMPLIANT, run_cli
from toms.offline.analyzer_client import PolicyConfigError, PolicyPackProcess, ResourceInput

RDS = "aws:rds/instance:Instance"
TODAY = datetime.now(UTC).date()
SOON = (TODAY + timedelta(days=60)).isoformat()

LOOSENING: list[tuple[dict[str, Any], str]] = [
    ({"all": "disabled"}, "below mandatory without `reason` and `expires` for every policy"),
    ({"all": "advisory"}, "below mandatory without `reason` and `expires` for every policy"),
    (
        {"rds-multi-az": "advisory"},
        "enforcementLevel advisory below mandatory without `reason` and `expires` for rds-multi-az",
    ),
    ({"rds-multi-az": {"enforcementLevel": "disabled", "reason": "legacy"}}, "for rds-multi-az"),
    (
        {"waived-findings": "disabled"},
        "waived-findings: enforcementLevel disabled: this policy reports waived",
    ),
    (
        {"log-group-retention": {"minDay": 365}},
        "Additional properties are not allowed ('minDay' was unexpected)",
    ),
    ({"log-group-retention": {"minDays": 400, "maxDays": 30}}, "minDays (400) is greater than maxDays (30)"),
    ({"s3-archive-lifecycle": {"minDays": 400, "maxDays": 90}}, "minDays (400) is greater than maxDays (90)"),
    (
        {"rds-multi-az": {"enforcementLevel": "advisory", "reason": "cut-over", "expires": "2999-01-01"}},
        "rds-multi-az.expires: the lowered enforcement of rds-multi-az expires on 2999-01-01, more than 366",
    ),
]
IDS = [
    "all-disabled",
    "all-advisory",
    "one-advisory",
    "no-expiry",
    "reporter-off",
    "typo",
    "min-max",
    "archive",
    "far",
]


@pytest.mark.parametrize(("config", "problem"), LOOSENING, ids=IDS)
def test_pack_refuses_a_loosening_config_at_configure(
    pack: PolicyPackProcess, config: dict, problem: str
) -> None:
    with pytest.raises(PolicyConfigError) as raised, configured(pack, {**BASE_CONFIG, **config}):
        pass
    assert str(raised.value).startswith("policy pack config refused")
    assert any(problem in line for line in raised.value.problems), raised.value.problems
    # `all` is not a policy: the CLI applies its level to each policy and nothing else.
    assert not any(line.startswith("all:") for line in raised.value.problems), raised.value.problems
    # The refused config never took effect.
    assert [d.policy_name for d in pack.analyze(resource(RDS, multiAz=False))] == ["rds-multi-az"]


@pytest.mark.parametrize("port", [5432, 3306, 6379, 9200, 22])
def test_no_config_opens_a_database_cache_search_or_admin_port_to_the_internet(
    pack: PolicyPackProcess, port: int
) -> None:
    config = {**BASE_CONFIG, "security-group-public-ingress": {"allowedPublicPorts": [443, port]}}
    with pytest.raises(PolicyConfigError, match="allowedPublicPorts"):
        pack.configure(config)
    # Sent past the CLI's schema check, the pack refuses it itself.
    with pytest.raises(PolicyConfigError, match="refused"), configured(pack, config, validate=False):
        pass


def test_a_lowered_level_with_reason_and_expiry_is_reported_on_every_run(pack: PolicyPackProcess) -> None:
    relaxed = {"enforcementLevel": "advisory", "reason": "Multi-AZ cut-over in CHG-7", "expires": SOON}
    with configured(pack, {**BASE_CONFIG, "rds-multi-az": relaxed}):
        finding = pack.analyze(resource(RDS, multiAz=False))
        runs = [pack.analyze_stack(compliant_stack().values()) for _ in range(2)]
    assert [(d.policy_name, d.enforcement_level) for d in finding] == [("rds-multi-az", "advisory")]
    for diagnostics in runs:
        assert [(d.policy_name, d.enforcement_level) for d in diagnostics] == [
            ("waived-stack-findings", "advisory")
        ]
        assert (
            f"rds-multi-az: enforcement lowered to advisory until {SOON}: Multi-AZ cut-over in CHG-7"
            in diagnostics[0].message
        )


@pytest.mark.parametrize(
    ("config", "problem"), [LOOSENING[1], LOOSENING[5], LOOSENING[6]], ids=["all", "typo", "bounds"]
)
def test_toms_preview_stops_with_exit_2_and_the_packs_message(
    tmp_path: Path, config: dict, problem: str
) -> None:
    config_file = tmp_path / "policy-config.json"
    config_file.write_text(json.dumps(config))
    completed = run_cli("--program", NONCOMPLIANT, "--policy-pack-config", config_file)
    assert completed.returncode == 2, completed.stdout + completed.stderr
    output = completed.stdout + completed.stderr
    assert f"{config_file}: policy pack config refused" in " ".join(output.split())
    assert problem in " ".join(output.split())


# The two policies that read the replica floor, and an ECS service and its autoscaling target at 2 copies.
REPLICA_FLOOR_READERS = ("ecs-autoscaling-min-capacity", "ecs-service-min-replicas")
TWO_COPIES = [
    resource("aws:ecs/service:Service", desiredCount=2),
    ResourceInput(
        "aws:appautoscaling/target:Target",
        "app-scaling",
        {
            "serviceNamespace": "ecs",
            "scalableDimension": "ecs:service:DesiredCount",
            "resourceId": "service/acme/app",
            "minCapacity": 2,
            "maxCapacity": 4,
        },
        provider=PROVIDER,
    ),
]


@pytest.mark.parametrize(
    ("config", "values"),
    [
        ({"ecs-service-min-replicas": {"minReplicas": 3}}, (2, 3)),
        ({"ecs-autoscaling-min-capacity": {"minReplicas": 3}}, (3, 2)),
        (
            {
                "ecs-service-min-replicas": {"minReplicas": 3},
                "ecs-autoscaling-min-capacity": {"minReplicas": 4},
            },
            (4, 3),
        ),
    ],
    ids=["service-only", "autoscaling-only", "both-differ"],
)
def test_the_replica_floor_is_one_setting_so_different_values_are_refused(
    pack: PolicyPackProcess, config: dict, values: tuple[int, int]
) -> None:
    with pytest.raises(PolicyConfigError) as raised, configured(pack, {**BASE_CONFIG, **config}):
        pass
    named = ", ".join(
        f"{policy}.minReplicas is {value}"
        for policy, value in zip(REPLICA_FLOOR_READERS, values, strict=True)
    )
    assert any(
        line.startswith(named) and "one setting, the replica floor" in line for line in raised.value.problems
    ), raised.value.problems
    # The refused config never took effect: the floor is still the default of 2.
    assert [pack.analyze(subject) for subject in TWO_COPIES] == [[], []]


def test_a_raised_replica_floor_holds_for_the_service_and_its_autoscaling(pack: PolicyPackProcess) -> None:
    raised = {policy: {"minReplicas": 3} for policy in REPLICA_FLOOR_READERS}
    with configured(pack, {**BASE_CONFIG, **raised}):
        findings = [[d.policy_name for d in pack.analyze(subject)] for subject in TWO_COPIES]
    assert findings == [["ecs-service-min-replicas"], ["ecs-autoscaling-min-capacity"]]


def test_archive_classifications_are_one_setting_of_every_policy_that_reads_them(
    pack: PolicyPackProcess,
) -> None:
    wider = ["log-archive", "audit-archive"]
    with (
        pytest.raises(PolicyConfigError) as raised,
        configured(pack, {**BASE_CONFIG, "s3-archive-lifecycle": {"archiveClassifications": wider}}),
    ):
        pass
    assert any(
        'log-subscription-to-archive.archiveClassifications is ["log-archive"]' in line
        and 's3-archive-lifecycle.archiveClassifications is ["log-archive", "audit-archive"]' in line
        and "one setting, the data classifications of archive buckets" in line
        for line in raised.value.problems
    ), raised.value.problems
    readers = (
        "log-subscription-to-archive",
        "s3-archive-lifecycle",
        "s3-archive-object-lock",
        "s3-encryption",
    )
    with configured(
        pack,
        {
            **BASE_CONFIG,
            **{policy: {"archiveClassifications": wider} for policy in readers},
            "trail-records-archive-access": {"archiveClassifications": wider},
        },
    ):
        assert pack.analyze_stack(compliant_stack().values()) == []


def test_the_archive_retention_bounds_are_one_setting_of_its_lock_and_its_lifecycle(
    pack: PolicyPackProcess,
) -> None:
    with (
        pytest.raises(PolicyConfigError) as raised,
        configured(pack, {**BASE_CONFIG, "s3-archive-lifecycle": {"minDays": 365, "maxDays": 365}}),
    ):
        pass
    for key, meaning in (("minDays", "shortest"), ("maxDays", "longest")):
        assert any(
            line.startswith(f"s3-archive-lifecycle.{key} is 365, s3-archive-object-lock.{key} is ")
            and f"the archive's {meaning} retention" in line
            for line in raised.value.problems
        ), raised.value.problems
