"""`cloudtrail-archive-data-events` against moto: the trail must record every read and every write of the log
archive's objects, as the program's selectors do (components/audit_trail.py), basic or advanced.

One account holds the client's tagged archive bucket, a second bucket of the client that is not the archive,
and one client trail per case, each delivering into the archive under `cloudtrail/` as the baseline's does.
Classes of failure: selectors missing, partial (reads only, writes only, more left out than the trail's own
deliveries, narrowed to some events), on another bucket, and a trail that is stopped.

Where moto departs from AWS (tests/toms/moto_baseline.py says so too): PutEventSelectors keeps a trail's
advanced selectors when basic ones are put later, so each trail here gets one kind, once. moto stores the
selectors as given without AWS's validation, so the shapes below are ones AWS accepts (StartsWith and
NotStartsWith together on resources.ARN, as the program sets them, is not verified against AWS here).

The other CloudTrail checks (validation, the client's key) are judged at the end on answers written out
here; the moto-built accounts in tests/toms/live/test_audit.py run them end to end.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.log_archive import CLOUDTRAIL_PREFIX, archive_bucket_name
from policies.toms_pack import standards
from tests.toms.live.checks.answers import fake_context
from tests.toms.moto_baseline import (
    client_tags,
    fake_aws_environment,
    in_account,
    stack_config,
    trail_event_selectors,
)
from toms.live.auditor import run_audit
from toms.live.checks import Resource
from toms.live.checks import cloudtrail as cloudtrail_checks
from toms.live.models import AuditFinding
from toms.live.session import AwsSession

ACME = stack_config("acme")
ARCHIVE = archive_bucket_name("acme", ACME.account_id, ACME.region)
OTHER_BUCKET = f"toms-acme-uploads-{ACME.account_id}-{ACME.region}"
OBJECTS = f"arn:aws:s3:::{ARCHIVE}/"


def field(name: str, **operators: list[str]) -> dict[str, Any]:
    return {"Field": name, **operators}


def data_events(read_only: str | None, *arn: dict[str, Any], **more: list[str]) -> dict[str, Any]:
    """An advanced selector of S3 object data events (`read_only` "true", "false" or None for both)."""
    fields = [field("eventCategory", Equals=["Data"]), field("resources.type", Equals=["AWS::S3::Object"])]
    if read_only is not None:
        fields.append(field("readOnly", Equals=[read_only]))
    fields += [field(name, Equals=values) for name, values in more.items()]
    return {"Name": "data events", "FieldSelectors": [*fields, *arn]}


def basic(read_write: str, *values: str) -> dict[str, Any]:
    return {
        "ReadWriteType": read_write,
        "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": list(values)}],
    }


MANAGEMENT = {"Name": "management", "FieldSelectors": [field("eventCategory", Equals=["Management"])]}
ON_ARCHIVE = field("resources.ARN", StartsWith=[OBJECTS])

# case -> (advanced selectors, basic selectors, logging)
CASES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]], bool]] = {
    "the program's selectors": (trail_event_selectors(ACME), [], True),
    "basic selectors, reads and writes": ([], [basic("All", OBJECTS)], True),
    "advanced, every bucket": ([MANAGEMENT, data_events(None)], [], True),
    "management events only": ([MANAGEMENT], [], True),
    "writes only": ([data_events("false", ON_ARCHIVE)], [], True),
    "basic, reads only": ([], [basic("ReadOnly", OBJECTS)], True),
    "writes leave out more than the trail's own files": (
        [
            data_events("true", ON_ARCHIVE),
            data_events(
                "false", field("resources.ARN", StartsWith=[OBJECTS], NotStartsWith=[f"{OBJECTS}acme/"])
            ),
        ],
        [],
        True,
    ),
    "reads leave out the trail's own files": (
        [
            data_events(
                "true",
                field(
                    "resources.ARN", StartsWith=[OBJECTS], NotStartsWith=[f"{OBJECTS}{CLOUDTRAIL_PREFIX}/"]
                ),
            ),
            data_events("false", ON_ARCHIVE),
        ],
        [],
        True,
    ),
    "narrowed to one event name": ([data_events(None, ON_ARCHIVE, eventName=["GetObject"])], [], True),
    "another bucket": (
        [data_events(None, field("resources.ARN", StartsWith=[f"arn:aws:s3:::{OTHER_BUCKET}/"]))],
        [],
        True,
    ),
    "basic, another bucket": ([], [basic("All", f"arn:aws:s3:::{OTHER_BUCKET}/")], True),
    "the program's selectors, trail stopped": (trail_event_selectors(ACME), [], False),
}


def trail_name(case: str) -> str:
    return "toms-acme-" + "".join(c if c.isalnum() else "-" for c in case)[:60]


@pytest.fixture(scope="module")
def findings() -> Iterator[dict[str, AuditFinding]]:
    with fake_aws_environment(), mock_aws(), in_account(ACME.account_id):
        s3 = boto3.client("s3", region_name=ACME.region)
        location = {"CreateBucketConfiguration": {"LocationConstraint": ACME.region}}
        tags = client_tags("acme")
        for bucket, classification in (
            (ARCHIVE, standards.DATA_CLASSIFICATION_LOG_ARCHIVE),
            (OTHER_BUCKET, standards.DATA_CLASSIFICATION_PERSONAL),
        ):
            s3.create_bucket(Bucket=bucket, **location)
            tag_set = {**tags, standards.TAG_DATA_CLASSIFICATION: classification}
            s3.put_bucket_tagging(
                Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tag_set.items()]}
            )
        cloudtrail = boto3.client("cloudtrail", region_name=ACME.region)
        for case, (advanced, basic_selectors, logging) in CASES.items():
            arn = cloudtrail.create_trail(
                Name=trail_name(case),
                S3BucketName=ARCHIVE,
                S3KeyPrefix=CLOUDTRAIL_PREFIX,
                IsMultiRegionTrail=True,
                TagsList=[{"Key": k, "Value": v} for k, v in tags.items()],
            )["TrailARN"]
            if advanced:
                cloudtrail.put_event_selectors(TrailName=arn, AdvancedEventSelectors=advanced)
            if basic_selectors:
                cloudtrail.put_event_selectors(TrailName=arn, EventSelectors=basic_selectors)
            if logging:
                cloudtrail.start_logging(Name=arn)
        result = run_audit(AwsSession(ACME.region), "acme", ACME)
    yield {
        finding.resource.rsplit("/", 1)[1]: finding
        for finding in result.findings
        if finding.check == "cloudtrail-archive-data-events"
    }


NOT_RECORDED = f"of {ARCHIVE}'s objects are not recorded"


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        (
            "the program's selectors",
            "PASS",
            f"every read and write of the objects of {ARCHIVE} (writes of the trail's own log files under "
            f"{OBJECTS}{CLOUDTRAIL_PREFIX}/ left out) recorded",
        ),
        (
            "basic selectors, reads and writes",
            "PASS",
            f"every read and write of the objects of {ARCHIVE} recorded",
        ),
        ("advanced, every bucket", "PASS", f"every read and write of the objects of {ARCHIVE} recorded"),
        ("management events only", "FAIL", f"reads and writes {NOT_RECORDED}"),
        ("writes only", "FAIL", f"reads {NOT_RECORDED}"),
        ("basic, reads only", "FAIL", f"writes {NOT_RECORDED}"),
        ("writes leave out more than the trail's own files", "FAIL", f"writes {NOT_RECORDED}"),
        ("reads leave out the trail's own files", "FAIL", f"reads {NOT_RECORDED}"),
        ("narrowed to one event name", "FAIL", f"reads and writes {NOT_RECORDED}"),
        ("another bucket", "FAIL", f"reads and writes {NOT_RECORDED}"),
        ("basic, another bucket", "FAIL", f"reads and writes {NOT_RECORDED}"),
        (
            "the program's selectors, trail stopped",
            "FAIL",
            "the selectors record the archive's reads and writes, but the trail is stopped: nothing is recorded",
        ),
    ],
)
def test_the_trail_records_every_read_and_write_of_the_archive(
    findings: dict[str, AuditFinding], case: str, status: str, message: str
) -> None:
    finding = findings[trail_name(case)]
    assert (finding.status, finding.message) == (status, message)
    assert finding.measures == ["logging"]


def test_every_case_is_judged_and_the_observed_values_say_what_was_recorded(
    findings: dict[str, AuditFinding],
) -> None:
    assert set(findings) == {trail_name(case) for case in CASES}
    assert findings[trail_name("the program's selectors")].observed == {
        "selectors": "advanced",
        "is_logging": True,
        "archives": {
            ARCHIVE: {"reads": True, "writes": True, "writes_left_out": [f"{OBJECTS}{CLOUDTRAIL_PREFIX}/"]}
        },
    }
    assert findings[trail_name("writes only")].observed["archives"] == {
        ARCHIVE: {"reads": False, "writes": True, "writes_left_out": []}
    }
    assert findings[trail_name("basic, reads only")].observed["selectors"] == "basic"


# --- verdicts on answers written out here ------------------------------------------------------------

TRAIL = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/toms-acme-audit"
CLIENT_KEY = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"


@pytest.mark.parametrize(
    ("trail", "passed", "message"),
    [
        ({"LogFileValidationEnabled": True}, True, "log file validation on"),
        ({"LogFileValidationEnabled": False}, False, "log file validation off"),
        ({}, False, "log file validation off"),
    ],
)
def test_log_file_validation(trail: dict[str, Any], passed: bool, message: str) -> None:
    verdict = cloudtrail_checks.validation(fake_context(None), Resource(TRAIL, trail))
    assert (verdict.passed, verdict.message) == (passed, message)


@pytest.mark.parametrize(
    ("key", "passed", "message"),
    [
        (CLIENT_KEY, True, "log files encrypted with the client's KMS key"),
        (
            CLIENT_KEY.replace("111122223333", "999999999999"),
            False,
            "log files encrypted with a KMS key that is not the client's own key",
        ),
        (None, False, "log files not encrypted with KMS"),
    ],
)
def test_log_files_are_encrypted_with_the_clients_own_key(
    key: str | None, passed: bool, message: str
) -> None:
    context = fake_context(None)
    context.is_client_key = lambda reference: reference == CLIENT_KEY
    verdict = cloudtrail_checks.kms(context, Resource(TRAIL, {"KmsKeyId": key}))
    assert (verdict.passed, verdict.message, verdict.observed) == (passed, message, {"kms_key_id": key})
