"""Malformed or unexpected shapes are violations with a clear message, never an exception."""

from __future__ import annotations

import pytest

from tests.policies.samples import containers, resource, with_props
from toms.offline.analyzer_client import PolicyPackProcess

TASK = "aws:ecs/taskDefinition:TaskDefinition"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


@pytest.mark.parametrize(
    ("subject", "policy", "fragment"),
    [
        (resource(TASK, containerDefinitions="[{not json"), "ecs-task-read-only-root", "not valid JSON"),
        (
            resource(TASK, containerDefinitions='{"name": "app"}'),
            "ecs-task-health-check",
            "expected a non-empty list",
        ),
        (resource(TASK, containerDefinitions="[1, 2]"), "ecs-task-not-privileged", "expected an object"),
        (
            resource(TASK, containerDefinitions=containers(environment="A=B")),
            "ecs-task-no-plaintext-secrets",
            "expected a list of name/value pairs",
        ),
        (
            resource(TASK, containerDefinitions=containers(command="serve --password=x")),
            "ecs-task-no-plaintext-secrets",
            'command is "serve --password=x", expected a list of strings',
        ),
        (
            resource("aws:ecs/service:Service", deploymentCircuitBreaker="yes"),
            "ecs-service-circuit-breaker",
            'deploymentCircuitBreaker is "yes"',
        ),
        (resource("aws:ecs/service:Service", desiredCount="two"), "ecs-service-min-replicas", "whole number"),
        (
            resource("aws:ecs/service:Service", loadBalancers={"arn": "x"}),
            "ecs-service-health-check-grace",
            "expected a list",
        ),
        (
            resource("aws:rds/instance:Instance", enabledCloudwatchLogsExports="postgresql"),
            "rds-logs-exported",
            "expected a list",
        ),
        (
            resource("aws:rds/instance:Instance", publiclyAccessible="no"),
            "rds-not-publicly-accessible",
            "expected a boolean",
        ),
        (
            resource("aws:ec2/securityGroup:SecurityGroup", ingress="all"),
            "security-group-public-ingress",
            "expected a list of rules",
        ),
        (
            resource("aws:ec2/securityGroup:SecurityGroup", ingress=["tcp/22"]),
            "security-group-admin-ports",
            "expected a rule object",
        ),
        (resource("aws:lb/loadBalancer:LoadBalancer", accessLogs=["on"]), "lb-access-logs", "accessLogs is"),
        (
            resource(
                "aws:lb/listener:Listener", routingHttpResponseStrictTransportSecurityHeaderValue=31536000
            ),
            "lb-https-hsts",
            "carry no HSTS header",
        ),
        (
            resource(
                "aws:lb/listener:Listener", routingHttpResponseStrictTransportSecurityHeaderValue="max-age=1y"
            ),
            "lb-https-hsts",
            "not a whole number of seconds",
        ),
        (
            resource("aws:lb/loadBalancer:LoadBalancer", desyncMitigationMode=["strictest"]),
            "lb-desync-strictest",
            'desyncMitigationMode is ["strictest"]',
        ),
        (
            resource("aws:lb/targetGroup:TargetGroup", healthCheck=[{"interval": 10}]),
            "lb-target-health-check-bound",
            "healthCheck is [",
        ),
        (
            resource("aws:alb/targetGroup:TargetGroup", healthCheck__timeout="5s"),
            "lb-target-health-check-bound",
            'healthCheck.timeout is "5s", expected a positive whole number',
        ),
        (
            resource("aws:lb/targetGroup:TargetGroup", healthCheck__enabled="yes"),
            "lb-target-health-check-bound",
            'healthCheck.enabled is "yes", expected a boolean',
        ),
        (
            with_props("aws:kms/key:Key", {"enableKeyRotation": True, "tags": "client=acme"}),
            "required-tags",
            "expected a map",
        ),
        (
            resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress="yes"),
            "ec2-no-public-ip",
            'networkInterfaces[0].associatePublicIpAddress is "yes", expected "true" or "false"',
        ),
        (
            resource(TEMPLATE, networkInterfaces={"deviceIndex": 0}),
            "ec2-no-public-ip",
            "expected a list of network interfaces",
        ),
        (resource(TEMPLATE, networkInterfaces=["eth0"]), "ec2-no-public-ip", "expected a network interface"),
        (
            resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted=1),
            "ec2-encrypted-volumes",
            # Numbers travel as doubles, so 1 arrives as 1.0.
            'blockDeviceMappings[0].ebs.encrypted is 1.0, expected "true" or "false"',
        ),
        (
            resource(TEMPLATE, blockDeviceMappings__0__ebs="encrypted"),
            "ec2-encrypted-volumes",
            'blockDeviceMappings[0].ebs is "encrypted", expected an object',
        ),
        (
            resource(TEMPLATE, blockDeviceMappings="/dev/xvda"),
            "ec2-encrypted-volumes",
            "expected a list of block device mappings",
        ),
        (resource(TEMPLATE, metadataOptions="required"), "ec2-imdsv2", "httpTokens is not set"),
        (resource(TEMPLATE, imageId=["ami-0123456789abcdef0"]), "ec2-approved-ami", "not an approved AMI"),
    ],
)
def test_malformed_shape_is_a_clear_violation(
    pack: PolicyPackProcess, subject, policy: str, fragment: str
) -> None:
    findings = [d for d in pack.analyze(subject) if d.policy_name == policy]
    assert findings and all(f.mandatory for f in findings)
    assert any(fragment in f.message for f in findings), [f.message for f in findings]
    assert pack.running


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
