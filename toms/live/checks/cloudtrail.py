"""CloudTrail: the client's trail, logging, validated, encrypted, and recording every read and write of the
log archive's objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from toms.live.checks import AuditContext, Resource, Verdict, batches, check, discovers
from toms.live.checks import s3 as s3_checks
from toms.live.session import tags_to_dict

SERVICE = "cloudtrail"
TRAIL = "CloudTrail trail"

# The most trails ListTags takes at once.
_TAGS_BATCH = 20


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
    return [Resource(arn, cloudtrail.get_trail(Name=arn)["Trail"]) for arn in sorted(tagged)]


@check("cloudtrail-logging", service=SERVICE, kind=TRAIL, title="the trail is logging")
def logging(context: AuditContext, resource: Resource) -> Verdict:
    on = bool(context.client_for("cloudtrail").get_trail_status(Name=resource.arn).get("IsLogging"))
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


S3_OBJECT = "AWS::S3::Object"
READ, WRITE = "reads", "writes"
# What an advanced selector's readOnly (absent: both) and a basic selector's ReadWriteType record.
_READ_ONLY = {"true": READ, "false": WRITE}
_READ_WRITE_TYPE = {"ReadOnly": {READ}, "WriteOnly": {WRITE}, "All": {READ, WRITE}}
# The fields of an advanced selector for S3 object data events; any other field narrows what it records.
_DATA_EVENT_FIELDS = frozenset({"eventCategory", "resources.type", "readOnly", "resources.ARN"})


def _equals_only(selector_field: Mapping[str, Any] | None) -> list[Any] | None:
    """A field selector's Equals values when Equals is its only operator; None otherwise."""
    if selector_field is None:
        return None
    operators = set(selector_field) - {"Field"}
    return list(selector_field["Equals"]) if operators == {"Equals"} else None


class ArchiveObjects:
    """The object ARNs of one archive bucket, and the key prefix under which the trail delivers its own log
    files into it (None when it delivers elsewhere): the one part of the archive whose writes the baseline
    leaves unrecorded, or each delivery would be the event of the next."""

    def __init__(self, partition: str, bucket: str, own_prefix: str | None) -> None:
        self.bucket = bucket
        self.partition = partition
        self.objects = f"arn:{partition}:s3:::{bucket}/"
        self.own_deliveries = f"{self.objects}{own_prefix}/" if own_prefix else None
        # Set when a selector leaves out the writes of the trail's own log files.
        self.own_writes_left_out = False

    def covered_by(self, prefix: object) -> bool:
        """True when an ARN prefix (`arn:<partition>:s3` alone: every bucket) takes in every object."""
        return (
            isinstance(prefix, str)
            and prefix.startswith(f"arn:{self.partition}:s3")
            and self.objects.startswith(prefix)
        )

    def advanced(self, selector: Mapping[str, Any]) -> set[str]:
        """What an advanced event selector records of every object of the bucket."""
        fields = {item.get("Field"): item for item in selector.get("FieldSelectors", [])}
        if set(fields) - _DATA_EVENT_FIELDS:
            return set()
        if _equals_only(fields.get("eventCategory")) != ["Data"]:
            return set()
        if _equals_only(fields.get("resources.type")) != [S3_OBJECT]:
            return set()
        read_only = fields.get("readOnly")
        accesses = (
            {READ, WRITE}
            if read_only is None
            else {_READ_ONLY[value] for value in _equals_only(read_only) or () if value in _READ_ONLY}
        )
        arn = fields.get("resources.ARN")
        if arn is None:
            return accesses
        if set(arn) - {"Field", "StartsWith", "NotStartsWith"}:
            return set()  # Equals, EndsWith, NotEquals, NotEndsWith: some objects only
        if "StartsWith" in arn and not any(self.covered_by(prefix) for prefix in arn["StartsWith"]):
            return set()
        recorded = set(accesses)
        for excluded in arn.get("NotStartsWith", []):
            if not isinstance(excluded, str):
                return set()
            if self.covered_by(excluded):
                return set()  # the whole bucket left out
            if excluded.startswith(self.objects):
                own = self.own_deliveries is not None and excluded.startswith(self.own_deliveries)
                # Reads of the trail's own files stay recorded; only writes under its prefix may be left out.
                recorded -= {READ, WRITE} if not own else {READ}
                self.own_writes_left_out |= own and WRITE in recorded
        return recorded

    def basic(self, selector: Mapping[str, Any]) -> set[str]:
        """What a basic event selector records of every object of the bucket."""
        for resource in selector.get("DataResources", []):
            if resource.get("Type") == S3_OBJECT and any(
                self.covered_by(v) for v in resource.get("Values", [])
            ):
                return set(_READ_WRITE_TYPE.get(selector.get("ReadWriteType", "All"), set()))
        return set()


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
    logging_on = bool(cloudtrail.get_trail_status(Name=resource.arn).get("IsLogging"))
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
    for bucket in buckets:
        delivers_here = resource.data.get("S3BucketName") == bucket
        archive = ArchiveObjects(
            context.session.partition, bucket, resource.data.get("S3KeyPrefix") if delivers_here else None
        )
        recorded: set[str] = set()
        for selector in advanced:
            recorded |= archive.advanced(selector)
        for selector in basic:
            recorded |= archive.basic(selector)
        missing = [access for access in (READ, WRITE) if access not in recorded]
        observed["archives"][bucket] = {
            "reads": READ in recorded,
            "writes": WRITE in recorded,
            "writes_left_out": [archive.own_deliveries] if archive.own_writes_left_out else [],
        }
        if missing:
            problems.append(f"{' and '.join(missing)} of {bucket}'s objects are not recorded")
        elif archive.own_writes_left_out:
            recorded_all.append(
                f"{bucket} (writes of the trail's own log files under {archive.own_deliveries} left out)"
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
