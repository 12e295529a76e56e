"""S3 buckets with pulumi-aws v7's standalone configuration resources, joined with their bucket.

In pulumi-aws v7 versioning, encryption, Object Lock, lifecycle and the public access block are separate
resources that name their bucket in `bucket`; so these are stack policies. A configuration resource
belongs to a bucket only when its `bucket` is that bucket's value (`Stack.joins`: equal values, or in
preview property dependencies of `bucket` naming that bucket alone). S3 keeps one configuration of each
kind per bucket, the one applied last, so two of a kind for one bucket are a violation naming both. The
deprecated `*V2` tokens are still accepted, and so are the deprecated inline settings on the bucket.

Resource rules judge what weakens a bucket on its own, whether or not the stack manages the bucket: a
public access block with a flag off, versioning suspended, an ACL that shares data, an object written
without the client's key, a website endpoint (plain HTTP). A stack rule follows copies of a bucket's data
(replication, inventory reports, instance inventory syncs) to their destination bucket.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from .. import standards
from ..kit import (
    MISSING,
    TRUSTED_ACCOUNTS,
    UNKNOWN,
    Items,
    Joined,
    Outcome,
    Resource,
    Settings,
    SharedSetting,
    Stack,
    Unverifiable,
    Violation,
    as_int,
    bounds_check,
    describe,
    describe_accounts,
    is_customer_key_reference,
    list_items,
    lookup,
    own_accounts,
    require_customer_key,
    resource_rule,
    stack_rule,
)

BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
OBJECT_LOCK = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)
LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
PUBLIC_ACCESS_BLOCK = ("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",)
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")

# A configuration resource's `bucket` is the bucket's name, which v7 also uses as its id.
_BUCKET_KEYS = ("bucket", "id")


def _tags(bucket: Resource) -> Mapping[str, Any]:
    for key in ("tagsAll", "tags"):
        tags = bucket.get(key)
        if isinstance(tags, dict) and tags:
            return tags
    return {}


def classification(bucket: Resource) -> Any:
    return _tags(bucket).get(standards.TAG_DATA_CLASSIFICATION, MISSING)


def is_archive(bucket: Resource, settings: Settings) -> bool:
    """A log-archive bucket: tagged as one, or holding locked objects (which must also expire)."""
    return classification(bucket) in settings.strings(ARCHIVE_CLASSIFICATIONS.key) or (
        bucket.get("objectLockEnabled") is True
    )


def configs_for(stack: Stack, bucket: Resource, types: tuple[str, ...]) -> Joined:
    """The configuration resources of `types` whose `bucket` is this bucket's value."""
    return stack.configs_of(bucket, types, "bucket", _BUCKET_KEYS)


def more_than_one(joined: Joined, what: str) -> Violation | None:
    """A violation naming every configuration of one kind when a bucket has more than one."""
    if len(joined.configs) < 2:
        return None
    names = " and ".join(sorted(config.name for config in joined.configs))
    return Violation(
        f"bucket {joined.target.name} has {len(joined.configs)} {what}s ({names}); S3 keeps only the one "
        "applied last, so which of them holds cannot be known: keep exactly one",
        joined.target,
    )


# A client may classify more buckets as archives, never fewer: the log archive always is one. One setting
# of every policy that tells archives apart.
ARCHIVE_CLASSIFICATIONS = SharedSetting(
    "archiveClassifications",
    {
        "type": "array",
        "description": "data-classification tag values of archive buckets; must include "
        f"{standards.DATA_CLASSIFICATION_LOG_ARCHIVE!r}. One setting of every policy that reads it.",
        "minItems": 1,
        "items": {"type": "string", "minLength": 1},
        "contains": {"const": standards.DATA_CLASSIFICATION_LOG_ARCHIVE},
        "default": [standards.DATA_CLASSIFICATION_LOG_ARCHIVE],
    },
    "the data classifications of archive buckets",
)


@stack_rule(
    "s3-versioning",
    "Every S3 bucket keeps object versions.",
    Severity.MEDIUM,
    "Add an aws.s3.BucketVersioning for the bucket with versioningConfiguration.status Enabled.",
    types=(*BUCKETS, *VERSIONING),
)
def versioning(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for bucket in stack.of_type(*BUCKETS):
        if lookup(bucket.props, "versioning", "enabled") is True:
            continue
        joined = configs_for(stack, bucket, VERSIONING)
        if (twice := more_than_one(joined, "BucketVersioning")) is not None:
            yield twice
            continue
        if not joined.configs:
            yield Violation(
                f"bucket {bucket.name} has no BucketVersioning: add one with status Enabled"
                + joined.undecided_note(),
                bucket,
            )
            continue
        status = lookup(joined.configs[0].props, "versioningConfiguration", "status")
        if status is UNKNOWN:
            yield Unverifiable(f"{joined.configs[0].name}.versioningConfiguration.status", bucket)
        elif status != "Enabled":
            yield Violation(
                f"bucket {bucket.name}: versioning is not enabled: {joined.configs[0].name}."
                f"versioningConfiguration.status is {describe(status)}; set it to Enabled",
                bucket,
            )


def _sse_defaults(config: Resource) -> Items:
    """The configuration's rules (each holds one applyServerSideEncryptionByDefault)."""
    return list_items(config.get("rules"), "rules", "encryption rules", config)


@stack_rule(
    "s3-encryption",
    "S3 buckets are encrypted by default; data and archive buckets with a customer-managed KMS key.",
    Severity.HIGH,
    "Add an aws.s3.BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and the client's key.",
    types=(*BUCKETS, *ENCRYPTION),
    shared=(ARCHIVE_CLASSIFICATIONS,),
)
def encryption(stack: Stack, settings: Settings) -> Iterator[Outcome]:
    for bucket in stack.of_type(*BUCKETS):
        classified = classification(bucket)
        needs_kms = (
            classified is not MISSING and classified not in standards.SSE_S3_ONLY_CLASSIFICATIONS
        ) or is_archive(bucket, settings)
        joined = configs_for(stack, bucket, ENCRYPTION)
        if (twice := more_than_one(joined, "BucketServerSideEncryptionConfiguration")) is not None:
            yield twice
            continue
        rules = [_sse_defaults(config) for config in joined.configs]
        undecided = [outcome for items in rules for outcome in items.unverifiable()]
        yield from undecided
        defaults = [
            lookup(rule, "applyServerSideEncryptionByDefault") for items in rules for rule in items.values
        ]
        inline = lookup(
            bucket.props, "serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault"
        )
        if inline is not MISSING:
            defaults.append(inline)
        if not defaults:
            # Without a configuration S3 encrypts every new object with SSE-S3: enough unless classified.
            # A rule that cannot be read may be the bucket's default: undecided.
            if needs_kms and not undecided:
                yield Violation(
                    f"bucket {bucket.name} holds {describe(classification(bucket))} data but has no "
                    "encryption configuration: add one with sseAlgorithm aws:kms" + joined.undecided_note(),
                    bucket,
                )
            continue
        for default in defaults:
            algorithm = lookup(default, "sseAlgorithm")
            if algorithm is UNKNOWN:
                yield Unverifiable("sseAlgorithm", bucket)
            elif algorithm not in ("AES256", *KMS_ALGORITHMS):
                yield Violation(
                    f"bucket {bucket.name}: sseAlgorithm is {describe(algorithm)}, expected aws:kms", bucket
                )
            elif needs_kms and (
                algorithm not in KMS_ALGORITHMS
                or not is_customer_key_reference(lookup(default, "kmsMasterKeyId"))
            ):
                yield Violation(
                    f"bucket {bucket.name} holds {describe(classification(bucket))} data: use "
                    "sseAlgorithm aws:kms with kmsMasterKeyId set to the client's customer-managed key "
                    f"(sseAlgorithm is {describe(algorithm)}, kmsMasterKeyId is "
                    f"{describe(lookup(default, 'kmsMasterKeyId'))})",
                    bucket,
                )


@stack_rule(
    "s3-bucket-protected",
    "Every S3 bucket has exactly one public access block, with all four flags true.",
    Severity.CRITICAL,
    "Add one aws.s3.BucketPublicAccessBlock for the bucket with all four flags true.",
    types=(*BUCKETS, *PUBLIC_ACCESS_BLOCK),
)
def bucket_protected(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for bucket in stack.of_type(*BUCKETS):
        joined = configs_for(stack, bucket, PUBLIC_ACCESS_BLOCK)
        if (twice := more_than_one(joined, "BucketPublicAccessBlock")) is not None:
            yield twice
        elif not joined.configs:
            yield Violation(
                f"bucket {bucket.name} has no BucketPublicAccessBlock: add one with all four flags true"
                + joined.undecided_note(),
                bucket,
            )
        else:
            block = joined.configs[0]
            for flag in PUBLIC_ACCESS_FLAGS:
                value = block.get(flag)
                if value is UNKNOWN:
                    yield Unverifiable(f"{block.name}.{flag}", bucket)
                elif value is not True:
                    yield Violation(
                        f"bucket {bucket.name}: {flag} is {describe(value)} in {block.name}, set it to true",
                        bucket,
                    )


@resource_rule(
    "s3-public-access-block-complete",
    "A public access block blocks all four ways to make a bucket public, whichever bucket it is for.",
    Severity.CRITICAL,
    "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
    PUBLIC_ACCESS_BLOCK,
)
def public_access_block_complete(resource: Resource, _: Settings) -> Iterator[Outcome]:
    values = {flag: resource.get(flag) for flag in PUBLIC_ACCESS_FLAGS}
    off = [f"{flag} is {describe(value)}" for flag, value in values.items() if value not in (True, UNKNOWN)]
    if off:  # one finding for the block, however many of its flags are off
        yield Violation(f"{', '.join(off)}: set all four flags to true")
    else:
        yield from (Unverifiable(flag) for flag, value in values.items() if value is UNKNOWN)


@resource_rule(
    "s3-versioning-not-suspended",
    "No versioning configuration suspends a bucket's versioning, whichever bucket it is for.",
    Severity.MEDIUM,
    "Set versioningConfiguration.status to Enabled.",
    VERSIONING,
)
def versioning_not_suspended(resource: Resource, _: Settings) -> Iterator[Outcome]:
    status = resource.get("versioningConfiguration", "status")
    if status is UNKNOWN:
        yield Unverifiable("versioningConfiguration.status")
    elif status != "Enabled":
        yield Violation(f"versioningConfiguration.status is {describe(status)}: set it to Enabled")


# The archive's retention bounds: one setting each of its Object Lock and its lifecycle policies. The
# archive is kept for a predetermined time, never indefinitely.
ARCHIVE_MIN_DAYS = SharedSetting(
    "minDays",
    {
        "type": "integer",
        "description": "The archive's shortest retention in days; one setting of s3-archive-object-lock and "
        "s3-archive-lifecycle.",
        "minimum": 1,
        "maximum": standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS,
        "default": standards.ARCHIVE_RETENTION_DEFAULT_MIN_DAYS,
    },
    "the archive's shortest retention",
)
ARCHIVE_MAX_DAYS = SharedSetting(
    "maxDays",
    {
        "type": "integer",
        "description": "The archive's longest retention in days; one setting of s3-archive-object-lock and "
        "s3-archive-lifecycle.",
        "minimum": 1,
        "maximum": standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS,
        "default": standards.ARCHIVE_RETENTION_DEFAULT_MAX_DAYS,
    },
    "the archive's longest retention",
)
# Object Lock counts a retention year as 365 days.
_DAYS_PER_LOCK_YEAR = 365


@stack_rule(
    "s3-archive-object-lock",
    "Log-archive buckets lock every object for its retention time.",
    Severity.HIGH,
    "Create the archive bucket with objectLockEnabled: true and add a BucketObjectLockConfiguration with a "
    "default retention in an allowed mode.",
    properties={
        "allowedModes": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "enum": list(standards.OBJECT_LOCK_MODES)},
            "default": list(standards.OBJECT_LOCK_MODES),
        },
    },
    config_checks=(bounds_check("minDays", "maxDays"),),
    types=(*BUCKETS, *OBJECT_LOCK),
    shared=(ARCHIVE_CLASSIFICATIONS, ARCHIVE_MIN_DAYS, ARCHIVE_MAX_DAYS),
)
def archive_object_lock(stack: Stack, settings: Settings) -> Iterator[Outcome]:
    modes = settings.strings("allowedModes")
    for bucket in stack.of_type(*BUCKETS):
        if not is_archive(bucket, settings):
            continue
        enabled = bucket.get("objectLockEnabled")
        if enabled is UNKNOWN:
            yield Unverifiable("objectLockEnabled", bucket)
        elif enabled is not True:
            yield Violation(
                f"archive bucket {bucket.name}: objectLockEnabled is {describe(enabled)}; Object Lock "
                "can only be switched on when the bucket is created",
                bucket,
            )
        joined = configs_for(stack, bucket, OBJECT_LOCK)
        if (twice := more_than_one(joined, "BucketObjectLockConfiguration")) is not None:
            yield twice
            continue
        retentions = [lookup(config.props, "rule", "defaultRetention") for config in joined.configs]
        if not retentions:
            yield Violation(
                f"archive bucket {bucket.name} has no BucketObjectLockConfiguration: add one with "
                f"a default retention in mode {' or '.join(modes)}" + joined.undecided_note(),
                bucket,
            )
        for retention in retentions:
            mode = lookup(retention, "mode")
            period = [lookup(retention, "days"), lookup(retention, "years")]
            if mode is UNKNOWN or UNKNOWN in period:
                yield Unverifiable("BucketObjectLockConfiguration.rule.defaultRetention", bucket)
            elif mode not in modes:
                yield Violation(
                    f"archive bucket {bucket.name}: Object Lock mode is {describe(mode)}, expected "
                    f"{' or '.join(modes)}",
                    bucket,
                )
            elif not any((as_int(value) or 0) > 0 for value in period):
                yield Violation(
                    f"archive bucket {bucket.name}: the default retention sets neither days nor years", bucket
                )
            else:
                days = (as_int(period[0]) or 0) + (as_int(period[1]) or 0) * _DAYS_PER_LOCK_YEAR
                low, high = settings.int("minDays"), settings.int("maxDays")
                if not low <= days <= high:
                    yield Violation(
                        f"archive bucket {bucket.name}: Object Lock keeps every object {days} days, "
                        f"outside the archive's retention of {low} to {high} days: lock objects as long as "
                        "the archive keeps them",
                        bucket,
                    )


def _is_empty(value: Any) -> bool:
    return value is MISSING or value is None or value in ("", {}, [])


def covers_whole_bucket(rule: Any) -> Any:
    """True when a lifecycle rule applies to every object: no filter, or one without any predicate.

    A prefix, a tag, an `and` block or an upper size bound narrows the rule. A lower size bound of 0 does
    not: it leaves out only empty objects, which hold no data. UNKNOWN when a predicate is unknown. The
    evidence report reads lifecycle rules through this too.
    """
    predicates: dict[str, Any] = {"prefix": lookup(rule, "prefix")}
    rule_filter = lookup(rule, "filter")
    if rule_filter is UNKNOWN:
        return UNKNOWN
    if isinstance(rule_filter, dict):
        predicates.update({f"filter.{key}": value for key, value in rule_filter.items()})
    elif not _is_empty(rule_filter):
        return False
    for key, value in predicates.items():
        if value is UNKNOWN:
            return UNKNOWN
        if key == "filter.objectSizeGreaterThan" and as_int(value) == 0:
            continue
        if not _is_empty(value):
            return False
    return True


@dataclass(frozen=True)
class _Expiry:
    """What one enabled lifecycle rule does: the days after which current and noncurrent versions expire."""

    whole_bucket: bool
    days: int | None
    noncurrent_days: int | None


def _expiries(config: Resource) -> tuple[list[_Expiry], bool]:
    """The known enabled rules of a lifecycle configuration, and whether a rule cannot be known yet (a
    configuration whose rules are not a list has none)."""
    rules = list_items(config.get("rules"), "rules", "lifecycle rules")
    undecided = rules.undecided
    found = []
    for rule in rules.values:
        status = lookup(rule, "status")
        if status != "Enabled":
            undecided = undecided or status is UNKNOWN
            continue
        whole_bucket = covers_whole_bucket(rule)
        days = lookup(rule, "expiration", "days")
        noncurrent = lookup(rule, "noncurrentVersionExpiration")
        noncurrent_days = lookup(noncurrent, "noncurrentDays")
        # Keeping the newest N noncurrent versions keeps them past noncurrentDays, for as long as they last.
        keeps_versions = lookup(noncurrent, "newerNoncurrentVersions")
        if UNKNOWN in (whole_bucket, days, noncurrent_days, keeps_versions):
            undecided = True
            continue
        found.append(
            _Expiry(
                whole_bucket is True,
                as_int(days),
                as_int(noncurrent_days) if _is_empty(keeps_versions) else None,
            )
        )
    return found, undecided


@stack_rule(
    "s3-archive-lifecycle",
    "Log-archive buckets expire every object and every old version after the client's archive retention.",
    Severity.HIGH,
    "Add a BucketLifecycleConfiguration with an Enabled rule without a filter (or with an empty one) whose "
    "expiration.days is within the pack config's [minDays, maxDays] and whose "
    "noncurrentVersionExpiration.noncurrentDays is at most maxNoncurrentDays.",
    properties={
        "maxNoncurrentDays": {
            "type": "integer",
            "minimum": 1,
            "default": standards.NONCURRENT_VERSION_DAYS,
        },
    },
    config_checks=(bounds_check("minDays", "maxDays"),),
    types=(*BUCKETS, *LIFECYCLE),
    shared=(ARCHIVE_CLASSIFICATIONS, ARCHIVE_MIN_DAYS, ARCHIVE_MAX_DAYS),
)
def archive_lifecycle(stack: Stack, settings: Settings) -> Iterator[Outcome]:
    low, high = settings.int("minDays"), settings.int("maxDays")
    noncurrent_high = settings.int("maxNoncurrentDays")
    for bucket in stack.of_type(*BUCKETS):
        if not is_archive(bucket, settings):
            continue
        joined = configs_for(stack, bucket, LIFECYCLE)
        if (twice := more_than_one(joined, "BucketLifecycleConfiguration")) is not None:
            yield twice
            continue
        per_config = [_expiries(config) for config in joined.configs]
        expiries = [expiry for found, _ in per_config for expiry in found]
        # A rule for part of the bucket may expire it sooner, never sooner than the retention.
        for days in sorted({e.days for e in expiries if e.days is not None and not low <= e.days <= high}):
            yield Violation(
                f"archive bucket {bucket.name}: objects expire after {days} days, expected "
                f"between {low} and {high}",
                bucket,
            )
        # A rule that cannot be known yet may expire objects too soon: only a known breach decides.
        if any(undecided for _, undecided in per_config):
            yield Unverifiable("BucketLifecycleConfiguration.rules", bucket)
            continue
        whole = [e for e in expiries if e.whole_bucket and e.days is not None]
        in_bounds = [e for e in whole if e.days is not None and low <= e.days <= high]
        if not whole:
            narrowed = any(e.days is not None for e in expiries)
            yield Violation(
                f"archive bucket {bucket.name} never expires objects across the whole bucket"
                f"{' (its expiring rules cover only part of it)' if narrowed else ''}: add an Enabled "
                f"lifecycle rule without a filter, with expiration.days between {low} and {high}"
                + joined.undecided_note(),
                bucket,
            )
        elif in_bounds and not any(
            e.noncurrent_days is not None and e.noncurrent_days <= noncurrent_high for e in in_bounds
        ):
            yield Violation(
                f"archive bucket {bucket.name} keeps noncurrent object versions past its retention: give "
                "its whole-bucket expiry rule noncurrentVersionExpiration.noncurrentDays of at most "
                f"{noncurrent_high} (without newerNoncurrentVersions)",
                bucket,
            )


def _aborts_incomplete_uploads(config: Resource) -> bool | None:
    """Whether an Enabled rule over the whole bucket aborts incomplete multipart uploads; None if unknown.
    One such rule is enough: another rule cannot keep the parts it aborts."""
    verdict = list_items(config.get("rules"), "rules", "lifecycle rules").any(_aborts_uploads)
    return None if verdict is UNKNOWN else verdict


def _aborts_uploads(rule: Any) -> Any:
    days = lookup(rule, "abortIncompleteMultipartUpload", "daysAfterInitiation")
    status, whole_bucket = lookup(rule, "status"), covers_whole_bucket(rule)
    if status not in ("Enabled", UNKNOWN) or whole_bucket is False:
        return False
    if days is not UNKNOWN and as_int(days) is None:
        return False
    return UNKNOWN if UNKNOWN in (days, status, whole_bucket) else True


@stack_rule(
    "s3-abort-incomplete-uploads",
    "A bucket's lifecycle aborts incomplete multipart uploads: parts nobody can see are not kept for ever.",
    Severity.LOW,
    "Add abortIncompleteMultipartUpload.daysAfterInitiation to an Enabled lifecycle rule without a filter.",
    types=(*BUCKETS, *LIFECYCLE),
)
def abort_incomplete_uploads(stack: Stack, _: Settings) -> Iterator[Outcome]:
    for bucket in stack.of_type(*BUCKETS):
        joined = configs_for(stack, bucket, LIFECYCLE)
        found = [_aborts_incomplete_uploads(config) for config in joined.configs]
        # A bucket without a lifecycle is left to the policies on its classification (archives need one).
        if True in found or not (joined.configs or joined.undecided):
            continue
        if None in found or joined.undecided:
            yield Unverifiable("BucketLifecycleConfiguration.rules", bucket)
        else:
            yield Violation(
                f"bucket {bucket.name} keeps the parts of incomplete multipart uploads for ever: add "
                "abortIncompleteMultipartUpload to an Enabled lifecycle rule over the whole bucket",
                bucket,
            )


# --- ACLs, objects and website endpoints ------------------------------------------------------------------

BUCKET_ACLS = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
OBJECTS = ("aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2")
OBJECT_COPY = "aws:s3/objectCopy:ObjectCopy"
WEBSITES = (
    "aws:s3/bucketWebsiteConfiguration:BucketWebsiteConfiguration",
    "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2",
)
# Canned ACLs that give no one but the owners (and, for a bucket, S3's own log delivery) any access.
PRIVATE_CANNED_ACLS = ("private", "bucket-owner-read", "bucket-owner-full-control")
LOG_DELIVERY_ACL = "log-delivery-write"
_GROUPS = "http://acs.amazonaws.com/groups/"
PUBLIC_GROUPS = (f"{_GROUPS}global/AllUsers", f"{_GROUPS}global/AuthenticatedUsers")
LOG_DELIVERY_GROUP = f"{_GROUPS}s3/LogDelivery"


def _grant_problem(where: str, grantee: Any, owner: Any) -> Outcome | None:
    """Why one ACL grant reaches beyond the owner (or S3's log delivery), or None."""
    kind, uri, grantee_id = (lookup(grantee, key) for key in ("type", "uri", "id"))
    if UNKNOWN in (kind, uri, grantee_id):
        return Unverifiable(where)
    if kind == "Group" and uri in PUBLIC_GROUPS:
        return Violation(f"{where} grants {uri.rsplit('/', 1)[-1]}: the data is public; remove the grant")
    if kind == "Group" and uri == LOG_DELIVERY_GROUP:
        return None
    if kind == "CanonicalUser" and owner not in (MISSING, UNKNOWN) and grantee_id == owner:
        return None
    if kind == "CanonicalUser" and owner is UNKNOWN:
        return Unverifiable(where)
    # Bucket ACLs name an e-mail grantee in emailAddress, object copies in email.
    email = lookup(grantee, "emailAddress")
    named = next(
        (value for value in (grantee_id, email, lookup(grantee, "email")) if value is not MISSING), MISSING
    )
    return Violation(
        f"{where} grants {describe(named)} ({describe(kind)}), which cannot be shown to be the bucket's "
        "owner: ACLs must not share data with other accounts; grant access through the bucket policy, which "
        "is judged"
    )


def _grants(resource: Resource) -> Iterator[Outcome]:
    if resource.type in BUCKET_ACLS:
        path: tuple[str, ...] = ("accessControlPolicy", "grants")
        owner = resource.get("accessControlPolicy", "owner", "id")
    else:
        path, owner = ("grants",), MISSING
    yield from list_items(resource.get(*path), ".".join(path), "grants").each(
        lambda where, grant: _grant_problem(
            where, grant if resource.type == OBJECT_COPY else lookup(grant, "grantee"), owner
        )
    )


@resource_rule(
    "s3-acl-private",
    "No bucket or object ACL makes data public or shares it with another account.",
    Severity.CRITICAL,
    "Leave acl unset or private (bucket-owner-full-control for objects written into another owner's "
    "bucket); grant nobody but the bucket's owner in ACL grants. Better: disable ACLs with "
    "BucketOwnerEnforced and grant access in the bucket policy.",
    (*BUCKET_ACLS, *OBJECTS, OBJECT_COPY),
)
def acl_private(resource: Resource, _: Settings) -> Iterator[Outcome]:
    acl = resource.get("acl")
    allowed = (
        (*PRIVATE_CANNED_ACLS, LOG_DELIVERY_ACL) if resource.type in BUCKET_ACLS else PRIVATE_CANNED_ACLS
    )
    if acl is UNKNOWN:
        yield Unverifiable("acl")
    elif acl is not MISSING and acl not in allowed:
        yield Violation(
            f"acl is {describe(acl)}: it gives access beyond the owner (public-read, authenticated-read and "
            f"aws-exec-read all do); use {' or '.join(allowed)}"
        )
    if resource.type not in OBJECTS:
        yield from _grants(resource)


@resource_rule(
    "s3-object-encrypted-cmk",
    "Objects the program writes or copies into S3 are encrypted with the client's customer-managed key.",
    Severity.HIGH,
    "Set serverSideEncryption: aws:kms and kmsKeyId to the client's customer-managed KMS key on every "
    "BucketObject and ObjectCopy.",
    (*OBJECTS, OBJECT_COPY),
)
def object_encrypted_cmk(resource: Resource, _: Settings) -> Iterator[Outcome]:
    algorithm = resource.get("serverSideEncryption")
    if algorithm is UNKNOWN:
        yield Unverifiable("serverSideEncryption")
        return
    if algorithm not in KMS_ALGORITHMS:
        yield Violation(
            f"serverSideEncryption is {describe(algorithm)}: the object would be stored without the client's "
            "key; set aws:kms with kmsKeyId"
        )
        return
    yield from require_customer_key(
        resource, "kmsKeyId", "set it to the client's customer-managed KMS key (unset uses aws/s3)"
    )


@resource_rule(
    "s3-no-website-endpoint",
    "No bucket serves its objects through an S3 website endpoint, which speaks plain HTTP only.",
    Severity.HIGH,
    "Serve the bucket through CloudFront with origin access control (HTTPS, judged by cloudfront-tls); a "
    "website configuration may only redirect every request to an https:// host.",
    WEBSITES,
)
def no_website_endpoint(resource: Resource, _: Settings) -> Iterator[Outcome]:
    redirect = resource.get("redirectAllRequestsTo")
    protocol = lookup(redirect, "protocol")
    if redirect is UNKNOWN or protocol is UNKNOWN:
        yield Unverifiable("redirectAllRequestsTo")
    elif redirect is MISSING:
        yield Violation(
            "a website endpoint serves the bucket's objects over plain HTTP (S3 website endpoints have no "
            "TLS): serve them through CloudFront with origin access control instead"
        )
    elif protocol != "https":
        yield Violation(
            f"redirectAllRequestsTo.protocol is {describe(protocol)}: the redirect would send visitors on "
            "over plain HTTP; set https"
        )


# --- copies of a bucket's data ----------------------------------------------------------------------------

REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
INVENTORY = "aws:s3/inventory:Inventory"
# Systems Manager's inventory of managed instances, synced into a bucket (its key is judged with the
# other data stores' keys).
RESOURCE_DATA_SYNC = "aws:ssm/resourceDataSync:ResourceDataSync"
_BUCKET_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::")


@dataclass(frozen=True)
class _Copy:
    """Where one configuration writes copies of data: a bucket, the account it names, the copies' key."""

    where: str
    # The configuration's input that holds the destination (its property dependencies name the bucket).
    key: str
    bucket: Any
    account: Any
    # The key the copies are encrypted with; None when another policy judges it.
    encryption_key: Any
    encryption_path: str = ""


def _copies(config: Resource) -> Iterator[_Copy | Unverifiable | Violation]:
    if config.type == REPLICATION:
        rules = list_items(config.get("rules"), "rules", "replication rules", config)
        yield from rules.unverifiable()
        for path, rule in rules.known:
            status = lookup(rule, "status")
            if status is UNKNOWN:
                yield Unverifiable(f"{path}.status", config)
                continue
            if status != "Enabled":
                continue
            where = f"{path}.destination"
            destination = lookup(rule, "destination")
            yield _Copy(
                where,
                "rules",
                lookup(destination, "bucket"),
                lookup(destination, "account"),
                lookup(destination, "encryptionConfiguration", "replicaKmsKeyId"),
                f"{where}.encryptionConfiguration.replicaKmsKeyId",
            )
    elif config.type == INVENTORY:
        if config.get("enabled") is False:
            return
        destination = config.get("destination", "bucket")
        yield _Copy(
            "destination.bucket",
            "destination",
            lookup(destination, "bucketArn"),
            lookup(destination, "accountId"),
            lookup(destination, "encryption", "sseKms", "keyId"),
            "destination.bucket.encryption.sseKms.keyId",
        )
    else:
        yield _Copy(
            "s3Destination", "s3Destination", config.get("s3Destination", "bucketName"), MISSING, None
        )


def _in_stack(stack: Stack, config: Resource, copy: _Copy, buckets: Sequence[Resource]) -> Any:
    """Whether the destination is one of the stack's `buckets`: True, False, or UNKNOWN."""
    value = _BUCKET_ARN.sub("", copy.bucket) if isinstance(copy.bucket, str) else copy.bucket
    found, maybe = stack.references(config, copy.key, buckets, ("bucket",), value)
    return True if found else (UNKNOWN if maybe else False)


@stack_rule(
    "s3-copies-stay-with-client",
    "Replication, inventory reports and instance-inventory syncs write only to buckets of this stack or of "
    "the client's accounts, and replicas and reports are encrypted with the client's key.",
    Severity.CRITICAL,
    "Replicate and report into a bucket the stack declares (pass its own output), or name the destination "
    "account (destination.account, destination.bucket.accountId) among the accounts the provider is pinned "
    "to or the config's trustedAccounts; set replicaKmsKeyId / sseKms.keyId to the client's "
    "customer-managed key.",
    properties={"trustedAccounts": TRUSTED_ACCOUNTS},
    types=(REPLICATION, INVENTORY, RESOURCE_DATA_SYNC),
)
def copies_stay_with_client(stack: Stack, settings: Settings) -> Iterator[Outcome]:
    buckets = stack.of_type(*BUCKETS)
    for config in stack.of_type(REPLICATION, INVENTORY, RESOURCE_DATA_SYNC):
        own = own_accounts(config, settings)
        for copy in _copies(config):
            if not isinstance(copy, _Copy):
                yield copy
                continue
            if copy.encryption_key is not None and not is_customer_key_reference(copy.encryption_key):
                yield Violation(
                    f"{config.name}: {copy.encryption_path} is {describe(copy.encryption_key)}: encrypt the "
                    "copies with the client's customer-managed KMS key",
                    config,
                )
            in_stack = _in_stack(stack, config, copy, buckets)
            if in_stack is True or (isinstance(copy.account, str) and copy.account in own):
                continue
            if in_stack is UNKNOWN or copy.account is UNKNOWN:
                yield Unverifiable(copy.where, config)
            elif copy.account is MISSING:
                yield Violation(
                    f"{config.name}: {copy.where} writes to {describe(copy.bucket)}, a bucket this stack "
                    "does not declare, and names no account: the copies may land in any account; write to a "
                    "bucket of this stack or name its account (one of the client's: "
                    f"{describe_accounts(own)})",
                    config,
                )
            else:
                yield Violation(
                    f"{config.name}: {copy.where} writes to account {describe(copy.account)}, outside the "
                    f"client's accounts ({describe_accounts(own)})",
                    config,
                )
