"""CloudTrail: the client's trail, logging, validated, encrypted, and recording every read and write of the
log archive's objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.toms_pack.data_events import READ, WRITE, AdvancedSelector, BasicSelector, BucketObjects
from toms.live.checks import AuditContext, Resource, Verdict, batches, check, discovers
from toms.live.checks import s3 as s3_checks
from toms.live.session import tags_to_dict

SERVICE = "cloudtrail"
TRAIL = "CloudTrail trail"

# The most trails ListTags takes at once.
_TAGS_BATCH = 20
# Where a trail's resource keeps what GetTrailStatus said of it (no key of GetTrail's answer).
_STATUS = "Status"


@discovers(SERVICE, TRAIL, scope=lambda context: context.session.arn("cloudtrail", "trail/*"))
def client_trails(context: AuditContext) -> list[Resource]:
    cloudtrail = context.client_for("cloudtrail")
    # The tagging API does not list trails in moto; CloudTrail's own tag listing works in both.
    pages = cloudtrail.get_paginator("list_trails").paginate()
    arns = [
        trail["TrailARN"]
        for page in pages
        for trail in page["Trails"]
        if trail.get("HomeRegion") == context.region
    ]
    tagged: list[str] = []
    for batch in batches(arns, _TAGS_BATCH):
        for page in cloudtrail.get_paginator("list_tags").paginate(ResourceIdList=batch):
            tagged += [
                resource["ResourceId"]
                for resource in page["ResourceTagList"]
                if context.is_client_resource(tags_to_dict(resource.get("TagsList")))
            ]
    # The trail's status beside its settings: more than one check reads whether it is logging.
    return [
        Resource(
            arn, {**cloudtrail.get_trail(Name=arn)["Trail"], _STATUS: cloudtrail.get_trail_status(Name=arn)}
        )
        for arn in sorted(tagged)
    ]


def _is_logging(resource: Resource) -> bool:
    return bool(resource.data[_STATUS].get("IsLogging"))


@check("cloudtrail-logging", service=SERVICE, kind=TRAIL, title="the trail is logging")
def logging(context: AuditContext, resource: Resource) -> Verdict:
    on = _is_logging(resource)
    return Verdict(on, {"is_logging": on}, "the trail is logging" if on else "the trail is stopped")


@check("cloudtrail-validation", service=SERVICE, kind=TRAIL, title="log file validation on")
def validation(context: AuditContext, resource: Resource) -> Verdict:
    on = bool(resource.data.get("LogFileValidationEnabled"))
    return Verdict(
        on, {"log_file_validation": on}, "log file validation on" if on else "log file validation off"
    )


@check(
    "cloudtrail-kms", service=SERVICE, kind=TRAIL, title="log files encrypted with the client's own KMS key"
)
def kms(context: AuditContext, resource: Resource) -> Verdict:
    key = resource.data.get("KmsKeyId")
    observed = {"kms_key_id": key}
    if not key:
        return Verdict(False, observed, "log files not encrypted with KMS")
    if not context.is_client_key(key):
        return Verdict(False, observed, "log files encrypted with a KMS key that is not the client's own key")
    return Verdict(True, observed, "log files encrypted with the client's KMS key")


def _advanced(selector: Mapping[str, Any]) -> AdvancedSelector:
    return AdvancedSelector.of(
        [
            (
                str(item.get("Field")),
                {
                    operator: tuple(values)
                    for operator, values in item.items()
                    if operator != "Field" and values
                },
            )
            for item in selector.get("FieldSelectors", [])
        ]
    )


def _basic(selector: Mapping[str, Any]) -> BasicSelector:
    return BasicSelector(
        selector.get("ReadWriteType", "All"),
        tuple(
            (resource.get("Type"), tuple(resource.get("Values", [])))
            for resource in selector.get("DataResources", [])
        ),
    )


@check(
    "cloudtrail-archive-data-events",
    service=SERVICE,
    kind=TRAIL,
    title="the trail records every read and every write of the log archive's objects (S3 data events)",
)
def archive_data_events(context: AuditContext, resource: Resource) -> Verdict:
    cloudtrail = context.client_for("cloudtrail")
    selectors = cloudtrail.get_event_selectors(TrailName=resource.arn)
    advanced = selectors.get("AdvancedEventSelectors") or []
    basic = selectors.get("EventSelectors") or []
    logging_on = _is_logging(resource)
    buckets = sorted(
        archive.data["Bucket"] for archive in context.found(s3_checks.SERVICE, s3_checks.ARCHIVE)
    )
    observed: dict[str, Any] = {
        "selectors": "advanced" if advanced else "basic" if basic else "none",
        "is_logging": logging_on,
        "archives": {},
    }
    if not buckets:
        return Verdict(
            False,
            observed,
            "no log archive bucket of the client found: nothing to compare the trail's data events with",
        )
    problems: list[str] = []
    recorded_all: list[str] = []
    prefix = resource.data.get("S3KeyPrefix")
    advanced_read, basic_read = [_advanced(item) for item in advanced], [_basic(item) for item in basic]
    for bucket in buckets:
        own_prefix = prefix if prefix and resource.data.get("S3BucketName") == bucket else None
        archive = BucketObjects(bucket, own_prefix)
        recorded = archive.recorded(advanced_read, basic_read)
        own_deliveries = context.session.arn(
            "s3", f"{bucket}/{own_prefix}/", regional=False, in_account=False
        )
        missing = [access for access in (READ, WRITE) if access not in recorded]
        observed["archives"][bucket] = {
            "reads": READ in recorded,
            "writes": WRITE in recorded,
            "writes_left_out": [own_deliveries] if archive.own_writes_left_out else [],
        }
        if missing:
            problems.append(f"{' and '.join(missing)} of {bucket}'s objects are not recorded")
        elif archive.own_writes_left_out:
            recorded_all.append(
                f"{bucket} (writes of the trail's own log files under {own_deliveries} left out)"
            )
        else:
            recorded_all.append(bucket)
    if problems:
        return Verdict(False, observed, "; ".join(problems))
    if not logging_on:
        return Verdict(
            False,
            observed,
            "the selectors record the archive's reads and writes, but the trail is stopped: "
            "nothing is recorded",
        )
    return Verdict(
        True, observed, f"every read and write of the objects of {', '.join(recorded_all)} recorded"
    )
