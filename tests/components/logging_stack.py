"""What the logging tests read from a run of the real program and from the stack file behind it."""

from __future__ import annotations

import json
from typing import Any

from toms.offline.mock_runtime import ProgramRun, RegisteredResource

BUCKET = "aws:s3/bucket:Bucket"
DELIVERY_STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
TRAIL = "aws:cloudtrail/trail:Trail"


def by_name(run: ProgramRun, type_token: str, name: str) -> RegisteredResource:
    (match,) = [resource for resource in run.of_type(type_token) if resource.name == name]
    return match


def config_of(run: ProgramRun, type_token: str, bucket: RegisteredResource) -> RegisteredResource:
    """The one configuration resource of `type_token` that names `bucket`."""
    (config,) = [
        resource for resource in run.of_type(type_token) if resource.inputs["bucket"] == bucket.outputs["id"]
    ]
    return config


def bucket_policy(run: ProgramRun, bucket: RegisteredResource) -> dict[str, Any]:
    policy = config_of(run, "aws:s3/bucketPolicy:BucketPolicy", bucket)
    document: dict[str, Any] = json.loads(policy.inputs["policy"])
    return document


def statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    (found,) = [candidate for candidate in policy["Statement"] if candidate.get("Sid") == sid]
    return found


def role_policy(run: ProgramRun, role: RegisteredResource) -> dict[str, Any]:
    """The one inline policy of `role`."""
    (policy,) = [
        resource
        for resource in run.of_type("aws:iam/rolePolicy:RolePolicy")
        if resource.inputs["role"] == role.outputs["id"]
    ]
    document: dict[str, Any] = json.loads(policy.inputs["policy"])
    return document
