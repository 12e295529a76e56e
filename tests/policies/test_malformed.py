"""Malformed or unexpected shapes are violations with a clear message, never an exception."""

from __future__ import annotations

from toms.offline.analyzer_client import PolicyPackProcess

TASK = "aws:ecs/taskDefinition:TaskDefinition"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def test_malformed_stack_shapes_do_not_crash(pack: PolicyPackProcess) -> None:
    from toms.offline.analyzer_client import ResourceInput

    stack = [
        ResourceInput("aws:s3/bucket:Bucket", "b", {"bucket": "b", "tagsAll": "oops"}),
        ResourceInput(
            "aws:s3/bucketVersioning:BucketVersioning", "v", {"bucket": "b", "versioningConfiguration": 3}
        ),
        ResourceInput(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "l",
            {"bucket": "b", "rules": "x"},
        ),
        ResourceInput("aws:rds/parameterGroup:ParameterGroup", "pg", {"name": "pg", "parameters": {"a": 1}}),
        ResourceInput("aws:rds/instance:Instance", "db", {"engine": "postgres", "parameterGroupName": "pg"}),
        ResourceInput("aws:ecs/service:Service", "svc", {"loadBalancers": [7]}),
    ]
    diagnostics = pack.analyze_stack(stack)
    assert {d.policy_name for d in diagnostics} >= {
        "s3-versioning",
        "rds-parameter-group-forces-tls",
        "ecs-service-load-balanced",
    }
    assert pack.running
