"""S3: the client's log archive bucket, its Object Lock, encryption, public access block and lifecycle."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from policies.toms_pack import standards
from toms import wording
from toms.live.checks import AuditContext, Resource, Verdict, check, discovers
from toms.live.session import error_code

SERVICE = "s3"
ARCHIVE = "log archive bucket"

# S3 answers these errors when a bucket lacks the configuration: the check fails, it is not an error.
S3_NOT_CONFIGURED = frozenset(
    {
        "ObjectLockConfigurationNotFoundError",
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchLifecycleConfiguration",
    }
)


@discovers(
    SERVICE, ARCHIVE, scope=lambda context: context.session.arn("s3", "*", regional=False, in_account=False)
)
def archive_buckets(context: AuditContext) -> list[Resource]:
    # The log archive is the bucket the baseline classifies as such; other buckets are not archives.
    classification = {standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_LOG_ARCHIVE}
    return [
        Resource(arn, {"Bucket": arn.rsplit(":", 1)[1]})
        for arn in context.tagged_arns("s3", **classification)
    ]


def _configuration(call: Any, **arguments: Any) -> dict[str, Any] | None:
    """A bucket configuration, or None when the bucket has none."""
    try:
        return dict(call(**arguments))
    except ClientError as error:
        if error_code(error) not in S3_NOT_CONFIGURED:
            raise
        return None


@check(
    "archive-object-lock",
    service=SERVICE,
    kind=ARCHIVE,
    title="objects locked by default in the stack file's mode for its retention",
)
def object_lock(context: AuditContext, resource: Resource) -> Verdict:
    s3 = context.client_for("s3")
    response = _configuration(s3.get_object_lock_configuration, Bucket=resource.data["Bucket"])
    if response is None:
        return Verdict(False, {"object_lock": "Disabled"}, "Object Lock is not enabled")
    configuration = response["ObjectLockConfiguration"]
    retention = configuration.get("Rule", {}).get("DefaultRetention", {})
    mode, days = retention.get("Mode"), retention.get("Days")
    observed: dict[str, Any] = {
        "object_lock": configuration.get("ObjectLockEnabled"),
        "years": retention.get("Years"),
    }
    if configuration.get("ObjectLockEnabled") != "Enabled" or mode not in standards.OBJECT_LOCK_MODES:
        observed |= {"mode": {"actual": mode}, "days": {"actual": days}}
        return Verdict(False, observed, "Object Lock has no default retention")
    config = context.expected
    if config is None:
        allowed = (standards.ARCHIVE_RETENTION_DEFAULT_MIN_DAYS, standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS)
        observed |= {
            "mode": {"allowed": list(standards.OBJECT_LOCK_MODES), "actual": mode},
            "days": {"allowed": list(allowed), "actual": days},
        }
        if days is not None and allowed[0] <= days <= allowed[1]:
            return Verdict(
                True, observed, f"objects locked in {mode} mode for {wording.days(days)} by default"
            )
        return Verdict(False, observed, f"default retention is not {allowed[0]}-{allowed[1]} days")
    expected_mode, expected_days = config.archive.lock_mode, config.retention.archive_retention_days
    observed |= {
        "mode": {"expected": expected_mode, "actual": mode},
        "days": {"expected": expected_days, "actual": days},
    }
    wrong = []
    if mode != expected_mode:
        wrong.append(f"mode {mode}, expected {expected_mode} (archive.lockMode)")
    if days != expected_days:
        wrong.append(f"{wording.days(days)}, expected {expected_days} (retention.archiveDays)")
    if wrong:
        return Verdict(False, observed, "default retention: " + "; ".join(wrong))
    return Verdict(
        True,
        observed,
        f"objects locked in {mode} mode for {wording.days(days)} by default, as the stack file says",
    )


@check(
    "archive-encryption",
    service=SERVICE,
    kind=ARCHIVE,
    title="objects encrypted by default with the client's own key",
)
def encryption(context: AuditContext, resource: Resource) -> Verdict:
    s3 = context.client_for("s3")
    response = _configuration(s3.get_bucket_encryption, Bucket=resource.data["Bucket"])
    if response is None:
        return Verdict(False, {"sse_algorithm": None}, "no default encryption")
    rules = response["ServerSideEncryptionConfiguration"]["Rules"]
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
    observed = {"sse_algorithm": default.get("SSEAlgorithm"), "kms_key_id": default.get("KMSMasterKeyID")}
    if not str(observed["sse_algorithm"]).startswith("aws:kms") or not observed["kms_key_id"]:
        return Verdict(False, observed, "default encryption does not use a KMS key of the client")
    if not context.is_client_key(observed["kms_key_id"]):
        return Verdict(False, observed, "default encryption uses a KMS key that is not the client's own key")
    return Verdict(True, observed, "objects encrypted with the client's KMS key by default")


@check("archive-public-access-block", service=SERVICE, kind=ARCHIVE, title="all four public access blocks on")
def public_access_block(context: AuditContext, resource: Resource) -> Verdict:
    settings = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    s3 = context.client_for("s3")
    response = _configuration(s3.get_public_access_block, Bucket=resource.data["Bucket"]) or {}
    configuration = response.get("PublicAccessBlockConfiguration", {})
    observed = {setting: bool(configuration.get(setting)) for setting in settings}
    off = [setting for setting in settings if not observed[setting]]
    if off:
        return Verdict(False, observed, "public access not blocked: " + ", ".join(off))
    return Verdict(True, observed, "all four public access blocks on")


@check(
    "archive-lifecycle",
    service=SERVICE,
    kind=ARCHIVE,
    title="one rule over the whole bucket expires objects after the retention, old versions a day later",
)
def lifecycle(context: AuditContext, resource: Resource) -> Verdict:
    s3 = context.client_for("s3")
    response = _configuration(s3.get_bucket_lifecycle_configuration, Bucket=resource.data["Bucket"])
    if response is None:
        return Verdict(False, {"rules": []}, "no lifecycle configuration: objects are kept forever")
    summaries = [
        {
            "id": rule.get("ID"),
            "whole_bucket": applies_to_every_object(rule),
            "expiration_days": rule.get("Expiration", {}).get("Days"),
            "noncurrent_days": rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
        }
        for rule in response["Rules"]
        if rule.get("Status") == "Enabled"
    ]
    # The baseline's shape: one rule over the whole bucket expires the current version after the
    # retention and removes it, now noncurrent, a day later.
    expiring = next((rule for rule in summaries if rule["whole_bucket"] and rule["expiration_days"]), None)
    actual_days = expiring["expiration_days"] if expiring else None
    actual_noncurrent = expiring["noncurrent_days"] if expiring else None
    noncurrent = {"expected": standards.NONCURRENT_VERSION_DAYS, "actual": actual_noncurrent}
    config = context.expected
    if config is not None:
        expected_days = config.retention.archive_retention_days
        expiration: dict[str, Any] = {"expected": expected_days, "actual": actual_days}
        days_ok = actual_days == expected_days
        days_wanted = f"{wording.days(expected_days)} (retention.archiveDays)"
    else:
        allowed = (standards.ARCHIVE_RETENTION_DEFAULT_MIN_DAYS, standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS)
        expiration = {"allowed": list(allowed), "actual": actual_days}
        days_ok = actual_days is not None and allowed[0] <= actual_days <= allowed[1]
        days_wanted = f"{allowed[0]}-{allowed[1]} days"
    observed = {"rules": summaries, "expiration_days": expiration, "noncurrent_days": noncurrent}
    if expiring is None:
        return Verdict(False, observed, "no enabled lifecycle rule expires every object")
    wrong = []
    if not days_ok:
        wrong.append(
            f"objects expire after {wording.days(expiring['expiration_days'])}, expected {days_wanted}"
        )
    if actual_noncurrent != standards.NONCURRENT_VERSION_DAYS:
        removed = (
            "never removed"
            if actual_noncurrent is None
            else f"removed after {wording.days(int(actual_noncurrent))}"
        )
        wrong.append(
            f"noncurrent versions {removed}, expected {wording.days(standards.NONCURRENT_VERSION_DAYS)}"
        )
    if wrong:
        return Verdict(False, observed, "; ".join(wrong))
    return Verdict(
        True,
        observed,
        f"objects expire after {wording.days(expiring['expiration_days'])}, "
        f"noncurrent versions {wording.days(standards.NONCURRENT_VERSION_DAYS)} later",
    )


def applies_to_every_object(rule: dict[str, Any]) -> bool:
    """True for a rule without prefix, tag or size filter (S3 answers `Filter: {}` or an empty prefix)."""
    if rule.get("Prefix"):
        return False
    return all(not value for value in rule.get("Filter", {}).values())
