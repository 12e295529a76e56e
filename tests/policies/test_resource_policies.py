"""Every resource policy, through the real protocol: each compliant sample passes, each variant is caught."""

from __future__ import annotations

import pytest

from policies.toms_pack import pack as pack_module
from policies.toms_pack.kit import WAIVED_FINDINGS, WAIVED_STACK_FINDINGS
from tests.policies.samples import COMPLIANT, DELETE, HTTPS_REDIRECT, containers, resource, with_props
from toms.analyzer_client import PolicyPackProcess, ResourceInput

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

# (policy, resource, a fragment the message must contain)
VIOLATIONS: list[tuple[str, ResourceInput, str]] = [
    ("rds-storage-encrypted-cmk", resource(RDS, storageEncrypted=False), "storageEncrypted is false"),
    ("rds-storage-encrypted-cmk", resource(CLUSTER, kmsKeyId=DELETE), "kmsKeyId is not set"),
    ("rds-storage-encrypted-cmk", resource(RDS, kmsKeyId="alias/aws/rds"), "an AWS-managed key"),
    (
        "rds-storage-encrypted-cmk",
        resource(CLUSTER, kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws/rds"),
        "an AWS-managed key",
    ),
    ("rds-not-publicly-accessible", resource(RDS, publiclyAccessible=True), "publiclyAccessible is true"),
    ("rds-multi-az", resource(RDS, multiAz=False), "multiAz is false"),
    ("rds-multi-az", resource(CLUSTER, availabilityZones=["eu-west-1a"]), "single zone"),
    ("rds-backup-retention", resource(RDS, backupRetentionPeriod=0), "expected between 7 and 35"),
    (
        "rds-backup-retention",
        resource(CLUSTER, backupRetentionPeriod=DELETE),
        "backupRetentionPeriod is not set",
    ),
    ("rds-deletion-protection", resource(RDS, deletionProtection=DELETE), "deletionProtection is not set"),
    ("rds-final-snapshot", resource(RDS, skipFinalSnapshot=True), "skipFinalSnapshot is true"),
    ("rds-final-snapshot", resource(CLUSTER, finalSnapshotIdentifier=DELETE), "finalSnapshotIdentifier"),
    ("rds-iam-authentication", resource(RDS, iamDatabaseAuthenticationEnabled=False), "iamDatabaseAuth"),
    ("rds-no-plaintext-password", resource(RDS, password="hunter2"), "password is set"),
    (
        "rds-no-plaintext-password",
        resource(CLUSTER, manageMasterUserPassword=DELETE),
        "manageMasterUserPassword",
    ),
    ("rds-logs-exported", resource(RDS, enabledCloudwatchLogsExports=["upgrade"]), "lacks 'postgresql'"),
    ("rds-logs-exported", resource(CLUSTER, enabledCloudwatchLogsExports=DELETE), "is empty"),
    (
        "lb-tls-listener-policy",
        resource(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-1-2021-06"),
        "TLS13-1-1",
    ),
    (
        "lb-tls-listener-policy",
        resource(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-0-2021-06"),
        "TLS13-1-0",
    ),
    ("lb-tls-listener-policy", resource(HTTPS_LISTENER, sslPolicy=DELETE), "AWS default accepts TLS 1.0"),
    (
        "lb-tls-listener-policy",
        resource(HTTPS_LISTENER, protocol="TLS", sslPolicy="ELBSecurityPolicy-2016-08"),
        "2016-08",
    ),
    (
        "lb-http-redirects-to-https",
        resource(HTTP_LISTENER, defaultActions=[{"type": "forward", "targetGroupArn": "arn:tg"}]),
        'type "forward"',
    ),
    (
        "lb-http-redirects-to-https",
        resource(HTTP_LISTENER, defaultActions=[{**HTTPS_REDIRECT, "redirect": {"protocol": "HTTP"}}]),
        "redirect with protocol HTTPS",
    ),
    (
        "lb-drop-invalid-headers",
        resource(LB, dropInvalidHeaderFields=False),
        "dropInvalidHeaderFields is false",
    ),
    (
        "lb-drop-invalid-headers",
        resource(ALB, dropInvalidHeaderFields=DELETE),
        "dropInvalidHeaderFields is not set",
    ),
    (
        "lb-https-hsts",
        resource(HTTPS_LISTENER, routingHttpResponseStrictTransportSecurityHeaderValue=DELETE),
        "carry no HSTS header",
    ),
    (
        "lb-https-hsts",
        resource(HTTPS_LISTENER, routingHttpResponseStrictTransportSecurityHeaderValue="max-age=86400"),
        "max-age is 86400 s",
    ),
    ("lb-desync-strictest", resource(LB, desyncMitigationMode=DELETE), 'AWS applies "defensive"'),
    ("lb-desync-strictest", resource(ALB, desyncMitigationMode="monitor"), 'is "monitor"'),
    ("lb-deletion-protection", resource(ALB, enableDeletionProtection=False), "enableDeletionProtection"),
    ("lb-access-logs", resource(LB, accessLogs__enabled=False), "accessLogs.enabled is false"),
    ("lb-access-logs", resource(ALB, accessLogs=DELETE), "accessLogs is not set"),
    (
        "lb-target-health-check-bound",
        resource(TARGET_GROUP, healthCheck__interval=30),
        "2 x 30 s + 5 s = 65 s",
    ),
    (
        "lb-target-health-check-bound",
        resource(ALB_TARGET_GROUP, healthCheck__enabled=False),
        "healthCheck.enabled is false",
    ),
    (
        "lb-target-health-check-bound",
        resource(ALB_TARGET_GROUP, healthCheck=DELETE),
        "healthCheck is not set",
    ),
    ("ecs-service-min-replicas", resource(SERVICE, desiredCount=1), "desiredCount is 1, expected at least 2"),
    (
        "ecs-service-circuit-breaker",
        resource(SERVICE, deploymentCircuitBreaker__rollback=False),
        "rollback is false",
    ),
    (
        "ecs-service-circuit-breaker",
        resource(SERVICE, deploymentCircuitBreaker=DELETE),
        "deploymentCircuitBreaker is",
    ),
    ("ecs-service-min-healthy-percent", resource(SERVICE, deploymentMinimumHealthyPercent=50), "is 50"),
    (
        "ecs-service-no-public-ip",
        resource(SERVICE, networkConfiguration__assignPublicIp=True),
        "assignPublicIp is",
    ),
    (
        "ecs-service-health-check-grace",
        resource(SERVICE, healthCheckGracePeriodSeconds=DELETE),
        "GracePeriod",
    ),
    (
        "ecs-task-read-only-root",
        resource(TASK, containerDefinitions=containers(readonlyRootFilesystem=False)),
        "readonly",
    ),
    (
        "ecs-task-not-privileged",
        resource(TASK, containerDefinitions=containers(privileged=True)),
        "privileged is true",
    ),
    (
        "ecs-task-log-configuration",
        resource(TASK, containerDefinitions=containers(logConfiguration=DELETE)),
        "logDriver",
    ),
    (
        "ecs-task-log-configuration",
        resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="json-file")),
        'logDriver is "json-file", which does not ship logs off the host',
    ),
    (
        "ecs-task-log-configuration",
        resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="journald")),
        'logDriver is "journald", which does not ship logs off the host',
    ),
    (
        "ecs-task-log-configuration",
        resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="local")),
        'logDriver is "local", which does not ship logs off the host',
    ),
    (
        "ecs-task-log-configuration",
        resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="none")),
        'logDriver is "none", which does not ship logs off the host',
    ),
    (
        "ecs-task-log-configuration",
        resource(TASK, containerDefinitions=containers(logConfiguration__logDriver="syslog")),
        'logDriver is "syslog", which does not ship logs off the host',
    ),
    (
        "ecs-task-health-check",
        resource(TASK, containerDefinitions=containers(healthCheck=DELETE)),
        "healthCheck.command",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(
            TASK, containerDefinitions=containers(environment=[{"name": "DB_PASSWORD", "value": "s3cret"}])
        ),
        "DB_PASSWORD looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(
            TASK,
            containerDefinitions=containers(environment=[{"name": "URL", "value": "postgres://u:p@db/x"}]),
        ),
        "URL looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(environment=[{"name": "DB_PASS", "value": "x"}])),
        "DB_PASS looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(environment=[{"name": "PASS", "value": "x"}])),
        "PASS looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(
            TASK, containerDefinitions=containers(environment=[{"name": "GPG_PASSPHRASE", "value": "x"}])
        ),
        "GPG_PASSPHRASE looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(environment=[{"name": "DB_PWD", "value": "x"}])),
        "DB_PWD looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(environment=[{"name": "STRIPE_KEY", "value": "x"}])),
        "STRIPE_KEY looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(environment=[{"name": "SIGNING_KEYS", "value": "x"}])),
        "SIGNING_KEYS looks like a secret",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(command=["serve", "--db-password=hunter2"])),
        "command passes a secret as a literal argument",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(entryPoint=["sh", "-c", "app --password 'hunter2'"])),
        "entryPoint passes a secret as a literal argument",
    ),
    (
        "ecs-task-no-plaintext-secrets",
        resource(TASK, containerDefinitions=containers(command=["migrate", "postgres://u:p@db/x"])),
        "command passes a secret",
    ),
    ("log-group-retention", resource(LOG_GROUP, retentionInDays=0), "kept forever"),
    ("log-group-retention", resource(LOG_GROUP, retentionInDays=DELETE), "kept forever"),
    ("log-group-retention", resource(LOG_GROUP, retentionInDays=3653), "expected between 30 and 400"),
    ("log-group-retention", resource(LOG_GROUP, retentionInDays=100), "does not accept"),
    ("log-group-kms", resource(LOG_GROUP, kmsKeyId=""), 'kmsKeyId is ""'),
    (
        "log-group-kms",
        resource(LOG_GROUP, kmsKeyId="arn:aws:kms:eu-west-1:111122223333:alias/aws/logs"),
        "an AWS-managed key",
    ),
    ("kms-key-rotation", resource(KEY, enableKeyRotation=DELETE), "enableKeyRotation is not set"),
    ("kms-deletion-window", resource(KEY, deletionWindowInDays=7), "expected at least 30"),
    (
        "security-group-public-ingress",
        resource(SG, ingress__0__fromPort=0, ingress__0__toPort=65535),
        "to the internet",
    ),
    ("security-group-public-ingress", resource(INGRESS, ipProtocol="-1"), "to the internet"),
    ("security-group-admin-ports", resource(SG, ingress__1__cidrBlocks=["0.0.0.0/0"]), "admin port 22"),
    (
        "security-group-admin-ports",
        resource(
            SG_RULE, sourceSecurityGroupId=DELETE, fromPort=3389, toPort=3389, cidrBlocks=["52.94.0.0/16"]
        ),
        "admin port 3389 to public range 52.94.0.0/16",
    ),
    (
        "security-group-rule-description",
        resource(SG, egress__0__description=""),
        "egress[0] has no description",
    ),
    ("security-group-rule-description", resource(EGRESS, description=DELETE), "no description"),
    ("security-group-rule-description", resource(SG_RULE, description="  "), "no description"),
    ("cloudtrail-secure", resource(TRAIL, enableLogFileValidation=False), "enableLogFileValidation is false"),
    ("cloudtrail-secure", resource(TRAIL, isMultiRegionTrail=DELETE, kmsKeyId=DELETE), "isMultiRegionTrail"),
    ("cloudtrail-secure", resource(TRAIL, kmsKeyId="alias/aws/cloudtrail"), "an AWS-managed key"),
    ("ec2-approved-ami", resource(EC2, ami="ami-00000000000000000"), "not an approved AMI"),
    ("ec2-imdsv2", resource(EC2, metadataOptions__httpTokens="optional"), 'httpTokens is "optional"'),
    ("ec2-no-public-ip", resource(EC2, associatePublicIpAddress=True), "associatePublicIpAddress is true"),
    (
        "ec2-encrypted-volumes",
        resource(EC2, ebsBlockDevices__0__encrypted=False),
        "ebsBlockDevices[0].encrypted",
    ),
    ("ec2-encrypted-volumes", resource(VOLUME, encrypted=DELETE), "encrypted is not set"),
    ("ec2-approved-ami", resource(TEMPLATE, imageId="ami-00000000000000000"), "not an approved AMI"),
    (
        "ec2-approved-ami",
        resource(TEMPLATE, imageId="resolve:ssm:/aws/service/eks/optimized-ami/1.31/amazon-linux-2023"),
        "an SSM parameter names whatever image",
    ),
    ("ec2-imdsv2", resource(TEMPLATE, metadataOptions__httpTokens="optional"), 'httpTokens is "optional"'),
    ("ec2-imdsv2", resource(TEMPLATE, metadataOptions=DELETE), "the AMI's or the account's default"),
    (
        "ec2-no-public-ip",
        resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress="true"),
        'networkInterfaces[0].associatePublicIpAddress is "true"',
    ),
    (
        "ec2-no-public-ip",
        resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress=True),
        "networkInterfaces[0].associatePublicIpAddress is true",
    ),
    (
        "ec2-encrypted-volumes",
        resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted="false"),
        'blockDeviceMappings[0].ebs.encrypted is "false"',
    ),
    (
        "ec2-encrypted-volumes",
        resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted=DELETE),
        "blockDeviceMappings[0].ebs.encrypted is not set",
    ),
    (
        "ec2-encrypted-volumes",
        resource(TEMPLATE, blockDeviceMappings=[{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}]),
        "maps no EBS volume",
    ),
    ("required-tags", ResourceInput(KEY, "untagged", COMPLIANT[KEY]), "missing required tags: client"),
    (
        "required-tags",
        ResourceInput("aws:sqs/queue:Queue", "queue", {"tags": {"client": "acme"}}),
        "missing required tags: managed-by, toms-version",
    ),
]


def _mandatory(diagnostics: list) -> list:
    return [diagnostic for diagnostic in diagnostics if diagnostic.mandatory]


@pytest.mark.parametrize("resource_type", sorted(COMPLIANT))
def test_compliant_sample_passes_every_policy(pack: PolicyPackProcess, resource_type: str) -> None:
    assert pack.analyze(resource(resource_type)) == []


@pytest.mark.parametrize(
    ("policy", "subject", "fragment"),
    VIOLATIONS,
    ids=[f"{policy}-{index}" for index, (policy, _, _) in enumerate(VIOLATIONS)],
)
def test_violation_is_mandatory_and_says_what_to_change(
    pack: PolicyPackProcess, policy: str, subject: ResourceInput, fragment: str
) -> None:
    findings = [d for d in pack.analyze(subject) if d.policy_name == policy]
    assert findings, f"{policy} did not catch {subject.props}"
    assert all(finding.mandatory for finding in findings)
    assert any(fragment in finding.message for finding in findings), [f.message for f in findings]
    # Every message names the TOM line it enforces.
    assert all("[TOM " in finding.message for finding in findings)


def test_a_violation_touches_only_its_own_policy(pack: PolicyPackProcess) -> None:
    diagnostics = pack.analyze(resource(RDS, multiAz=False))
    assert {d.policy_name for d in _mandatory(diagnostics)} == {"rds-multi-az"}


def test_every_policy_has_a_violating_and_a_compliant_case(pack: PolicyPackProcess) -> None:
    info = pack.info()
    resource_policies = {p.name for p in info.policies if p.policy_type == "resource"} - {WAIVED_FINDINGS}
    assert resource_policies == {policy for policy, _, _ in VIOLATIONS}
    for rule in pack_module.all_rules():
        if rule.kind == "resource" and rule.resource_types:
            assert rule.resource_types & set(COMPLIANT), f"{rule.name} has no compliant sample"
    assert {p.name for p in info.policies if p.policy_type == "stack"} - {WAIVED_STACK_FINDINGS}


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
