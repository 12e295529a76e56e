"""The values the report shows per measure: read as the pack reads them, and only under the measures they
bear on."""

from __future__ import annotations

from collections import Counter

import pytest

from policies.toms_pack import kit
from policies.toms_pack.rules import s3 as s3_rules
from tests.toms.report.reporting import make_report
from toms.report.render import value_rows
from toms.report.values import (
    MEASURE_ASPECTS,
    UNKNOWN_VALUE,
    BuiltResource,
    RunIndex,
    key_text,
    measure_facts,
)

REFERENCES = [
    "alias/aws/rds",
    "arn:aws:kms:eu-west-1:111122223333:alias/aws/rds",
    "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/aws/logs",
    "alias/toms/acme",
    "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01",
    "0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01",
]


@pytest.mark.parametrize("reference", REFERENCES)
def test_a_key_reference_is_the_clients_exactly_when_the_pack_says_it_is_a_customer_key(
    reference: str,
) -> None:
    shown = key_text(reference)
    assert shown.startswith("the customer managed key") == kit.is_customer_key_reference(reference)
    assert ("not a customer key" in shown) == kit.is_aws_managed_key_reference(reference)


def test_the_database_encrypted_with_alias_aws_rds_is_not_called_the_clients_key() -> None:
    database = BuiltResource(
        type="aws:rds/instance:Instance",
        name="db",
        urn="urn:pulumi:acme::toms::aws:rds/instance:Instance::db",
        parent="",
        custom=True,
        inputs={"storageEncrypted": True, "kmsKeyId": "alias/aws/rds"},
    )
    facts = measure_facts([database], "eu-west-1")["encryption"]
    shown = {
        fact.setting: fact.value
        for aspect in facts.aspects
        for resource in aspect.resources
        for fact in resource.facts
    }
    assert shown["KMS key"] == "the AWS managed key alias/aws/rds, not a customer key"
    assert key_text(UNKNOWN_VALUE).startswith("a customer managed key of the stack")
    assert key_text(None) == "no KMS key of the client (AWS's own key)"
    assert RunIndex([database], "eu-west-1").of_types(("aws:rds/instance:Instance",)) == [database]


def test_no_aspect_is_shown_under_more_than_two_measures() -> None:
    listed = Counter(aspect for aspects in MEASURE_ASPECTS.values() for aspect in aspects)
    assert [aspect for aspect, count in listed.items() if count > 2] == []


def test_each_network_setting_is_shown_under_one_measure_only() -> None:
    report = make_report("acme")
    shown_under: dict[str, set[str]] = {}
    for entry in report.measures:
        for row in value_rows(entry):
            if row[0].startswith("VPC"):
                shown_under.setdefault(row[3], set()).add(entry.measure.id)
    assert {"address range", "availability zones", "subnets giving instances a public IP"} <= set(shown_under)
    assert {setting: len(measures) for setting, measures in shown_under.items()} == dict.fromkeys(
        shown_under, 1
    )


@pytest.mark.parametrize(
    ("rule", "shown"),
    [
        ({"filter": {}}, "every object"),
        ({"filter": {"objectSizeGreaterThan": 0}}, "every object"),
        ({"filter": {"prefix": "logs/"}}, "only some objects"),
        ({"filter": {"tag": {"key": "k", "value": "v"}}}, "only some objects"),
        ({"filter": {"prefix": UNKNOWN_VALUE}}, "known only at deployment"),
    ],
)
def test_a_lifecycle_rule_covers_the_whole_bucket_exactly_when_the_pack_says_so(
    rule: dict[str, object], shown: str
) -> None:
    lifecycle = BuiltResource(
        type=s3_rules.LIFECYCLE[0],
        name="archive-lifecycle",
        urn="urn:pulumi:acme::toms::lifecycle",
        parent="",
        custom=True,
        inputs={"rules": [{"id": "expire", "status": "Enabled", "expiration": {"days": 90}, **rule}]},
    )
    [fact] = measure_facts([lifecycle], "eu-west-1")["retention"].aspects[1].resources[0].facts
    assert fact.value.startswith(f"{shown}: expire after 90 days")
