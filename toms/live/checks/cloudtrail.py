"""CloudTrail: the client's trail, logging, validated and encrypted."""

from __future__ import annotations

from toms.live.checks import AuditContext, Resource, Verdict, batches, check, discovers
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
