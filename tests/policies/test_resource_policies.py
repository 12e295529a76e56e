"""Every resource policy, through the real protocol: each compliant sample passes, each variant is caught."""

from __future__ import annotations

import pytest

from policies.toms_pack.kit import WAIVED_FINDINGS, WAIVED_STACK_FINDINGS
from tests.policies.samples import COMPLIANT, DELETE, containers, resource, with_props
from toms.offline.analyzer_client import PolicyPackProcess, ResourceInput

RDS = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
HTTPS_LISTENER = "aws:lb/listener:Listener"
HTTP_LISTENER = "aws:alb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ALB_TARGET_GROUP = "aws:alb/targetGroup:TargetGroup"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
TRAIL = "aws:cloudtrail/trail:Trail"
EC2 = "aws:ec2/instance:Instance"
VOLUME = "aws:ebs/volume:Volume"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def _mandatory(diagnostics: list) -> list:
    return [diagnostic for diagnostic in diagnostics if diagnostic.mandatory]


def test_a_violation_touches_only_its_own_policy(pack: PolicyPackProcess) -> None:
    diagnostics = pack.analyze(resource(RDS, multiAz=False))
    assert {d.policy_name for d in _mandatory(diagnostics)} == {"rds-multi-az"}


def test_replica_databases_are_not_asked_for_backups_or_passwords(pack: PolicyPackProcess) -> None:
    replica = with_props(
        RDS,
        {
            **COMPLIANT[RDS],
            "replicateSourceDb": "acme-db",
            "backupRetentionPeriod": 0,
            "manageMasterUserPassword": False,
            "skipFinalSnapshot": True,
        },
    )
    names = {d.policy_name for d in pack.analyze(replica)}
    assert not names & {"rds-backup-retention", "rds-no-plaintext-password", "rds-final-snapshot"}


def test_network_load_balancers_are_not_asked_to_drop_http_headers(pack: PolicyPackProcess) -> None:
    nlb = resource(LB, loadBalancerType="network", dropInvalidHeaderFields=DELETE)
    assert pack.analyze(nlb) == []


def test_policy_metadata_names_severity_and_tom_lines(pack: PolicyPackProcess) -> None:
    for policy in pack.info().policies:
        assert policy.severity in {"low", "medium", "high", "critical"}, policy.name
        assert policy.tags, policy.name
        assert policy.framework_reference == ", ".join(policy.tags)
        assert "\n" not in policy.description
        expected = "advisory" if policy.name in {WAIVED_FINDINGS, WAIVED_STACK_FINDINGS} else "mandatory"
        assert policy.enforcement_level == expected


def test_aurora_cluster_instances_are_not_publicly_accessible(pack: PolicyPackProcess) -> None:
    props = {"clusterIdentifier": "acme", "instanceClass": "db.r6g.large", "engine": "aurora-postgresql"}
    public = with_props("aws:rds/clusterInstance:ClusterInstance", {**props, "publiclyAccessible": True})
    assert {d.policy_name for d in _mandatory(pack.analyze(public))} == {"rds-not-publicly-accessible"}
    private = with_props("aws:rds/clusterInstance:ClusterInstance", {**props, "publiclyAccessible": False})
    assert pack.analyze(private) == []


@pytest.mark.parametrize(
    "subject",
    [
        resource(RDS, kmsKeyId="alias/acme-data"),
        resource(CLUSTER, kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/acme-data"),
        resource(LOG_GROUP, kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws-logs-acme"),
        resource(TRAIL, kmsKeyId="0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"),
    ],
    ids=["rds-alias", "cluster-alias-arn", "log-group-alias-like-aws", "trail-key-id"],
)
def test_customer_key_aliases_and_ids_are_accepted(pack: PolicyPackProcess, subject: ResourceInput) -> None:
    assert pack.analyze(subject) == []


@pytest.mark.parametrize(
    "container_change",
    [
        {"environment": [{"name": name, "value": "x"} for name in ("KEYBOARD_LAYOUT", "MONKEY", "BYPASS")]},
        {"environment": [{"name": name, "value": "x"} for name in ("PUBLIC_KEY", "KMS_KEY_ID", "PASSENGER")]},
        {"command": ["serve", "--password=$DB_PASSWORD", "--db-password=${DB_PASSWORD}"]},
        {"command": ["serve", "--password-file=/run/secrets/db", "--password", "--verbose"]},
        {"entryPoint": ["sh", "-c", 'exec app --passphrase "$GPG_PASSPHRASE"']},
    ],
    ids=[
        "words-containing-key-or-pass",
        "public-key-and-key-id",
        "variable-refs",
        "password-file",
        "quoted-var",
    ],
)
def test_harmless_names_and_variable_references_are_not_secrets(
    pack: PolicyPackProcess, container_change: dict
) -> None:
    assert pack.analyze(resource(TASK, containerDefinitions=containers(**container_change))) == []


@pytest.mark.parametrize(
    "subject",
    [
        resource(TEMPLATE, imageId=DELETE),
        resource(TEMPLATE, networkInterfaces=DELETE),
        resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress=DELETE),
        resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress=False),
        resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted=True),
        resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted="TRUE"),
    ],
    ids=[
        "image-from-the-caller",
        "no-interfaces-subnet-decides",
        "public-ip-unset-subnet-decides",
        "public-ip-boolean-false",
        "encrypted-boolean-true",
        "encrypted-upper-case",
    ],
)
def test_launch_template_unset_or_boolean_values_that_comply(
    pack: PolicyPackProcess, subject: ResourceInput
) -> None:
    """An unset imageId is the launcher's to supply; the provider reads "true"/"false" and real booleans."""
    assert pack.analyze(subject) == []


def test_a_launch_template_violation_touches_only_its_own_policy(pack: PolicyPackProcess) -> None:
    diagnostics = pack.analyze(resource(TEMPLATE, metadataOptions__httpTokens="optional"))
    assert {d.policy_name for d in _mandatory(diagnostics)} == {"ec2-imdsv2"}
