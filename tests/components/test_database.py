"""The encrypted database, as the real program registers it for every example stack, and its config rules."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi.output import Unknown

from components.config import DatabaseConfig
from components.database import EncryptedDatabase, EncryptedDatabaseArgs
from policies.toms_pack import standards
from tests.components.edge_service_stack import SERVICE_COMPONENT
from tests.components.program_reading import (
    ACME_SOURCE,
    INGRESS_RULE,
    LOG_GROUP,
    POSTGRES_PORT,
    SECURITY_GROUP,
    client_config,
    client_key_arn,
    one,
    one_child,
    only,
    problems_for,
    stack_file,
)
from tests.components.units import (
    UNIT_CONTEXT,
    UNIT_KEY_ARN,
    run_component,
    unit_alert_topic,
    unit_log_policy,
)
from tests.conftest import REPO
from toms.offline.mock_runtime import (
    ProgramError,
    ProgramRun,
    RegisteredResource,
    run_program,
)
from toms.project import flatten_stack_config

COMPONENT = "toms:database:EncryptedDatabase"
INSTANCE = "aws:rds/instance:Instance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"


def database_component(run: ProgramRun) -> RegisteredResource:
    return one(run, COMPONENT)


def instance(run: ProgramRun) -> RegisteredResource:
    return one_child(run, database_component(run), INSTANCE)


def database_security_group(run: ProgramRun) -> RegisteredResource:
    return one_child(run, database_component(run), SECURITY_GROUP)


# --- every example stack, as `pulumi up` registers it -------------------------------------------------


def test_storage_and_performance_insights_are_encrypted_with_the_client_key(stack_run: ProgramRun) -> None:
    inputs = instance(stack_run).inputs
    key_arn = client_key_arn(stack_run)
    assert inputs["storageEncrypted"] is True
    assert inputs["kmsKeyId"] == key_arn
    assert inputs["performanceInsightsKmsKeyId"] == key_arn


def test_engine_size_and_storage_follow_the_stack_file(stack_run: ProgramRun) -> None:
    database = stack_file(stack_run.stack).get("toms:database", {})
    defaults = DatabaseConfig()
    inputs = instance(stack_run).inputs
    assert inputs["engine"] == "postgres"
    assert inputs["engineVersion"] == database.get("engineVersion", defaults.engine_version)
    assert inputs["instanceClass"] == database.get("instanceClass", defaults.instance_class)
    assert inputs["allocatedStorage"] == database.get("allocatedStorage", defaults.allocated_storage)
    assert inputs["storageType"] == "gp3"


def test_parameter_group_of_the_engine_family_refuses_unencrypted_connections(stack_run: ProgramRun) -> None:
    database = stack_file(stack_run.stack).get("toms:database", {})
    version = database.get("engineVersion", DatabaseConfig().engine_version)
    group = one_child(stack_run, database_component(stack_run), PARAMETER_GROUP)
    inputs = instance(stack_run).inputs
    assert group.inputs["family"] == f"postgres{version.split('.')[0]}"
    assert {"name": "rds.force_ssl", "value": "1"} in [
        {"name": parameter["name"], "value": parameter["value"]} for parameter in group.inputs["parameters"]
    ]
    assert inputs["parameterGroupName"] == group.outputs["name"]
    assert inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1"


def test_master_password_is_managed_by_rds_in_a_secret_under_the_client_key(stack_run: ProgramRun) -> None:
    database = instance(stack_run)
    assert database.inputs["manageMasterUserPassword"] is True
    assert database.inputs["masterUserSecretKmsKeyId"] == client_key_arn(stack_run)
    assert not {"password", "passwordWo"} & set(database.inputs)
    (secret,) = database.outputs["masterUserSecrets"]
    assert secret["kmsKeyId"] == client_key_arn(stack_run)


def test_iam_authentication_and_a_standby_in_another_zone(stack_run: ProgramRun) -> None:
    inputs = instance(stack_run).inputs
    assert inputs["iamDatabaseAuthenticationEnabled"] is True
    # Multi-AZ is the default a stack file can only turn off explicitly; the pack flags that.
    assert DatabaseConfig().multi_az is True
    assert inputs["multiAz"] is stack_file(stack_run.stack).get("toms:database", {}).get("multiAz", True)


def test_backups_are_kept_for_the_stack_files_backup_days_and_survive_deletion(stack_run: ProgramRun) -> None:
    inputs = instance(stack_run).inputs
    assert inputs["backupRetentionPeriod"] == stack_file(stack_run.stack)["toms:retention"]["backupDays"]
    assert inputs["copyTagsToSnapshot"] is True
    assert inputs["deletionProtection"] is True
    assert inputs["skipFinalSnapshot"] is False
    assert inputs["finalSnapshotIdentifier"] == f"{inputs['identifier']}-final"
    assert inputs["autoMinorVersionUpgrade"] is True


def test_instance_and_its_snapshots_are_classified_as_personal_data(stack_run: ProgramRun) -> None:
    # The provider's default tags carry client, managed-by and version; the instance adds only this.
    assert instance(stack_run).inputs["tags"] == {
        standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_PERSONAL
    }


def test_logs_go_to_log_groups_made_first_where_rds_writes_them(stack_run: ProgramRun) -> None:
    database = instance(stack_run)
    identifier = database.outputs["identifier"]
    exports = database.inputs["enabledCloudwatchLogsExports"]
    assert exports == ["postgresql", "upgrade"]
    retention = stack_file(stack_run.stack)["toms:retention"]["logDays"]
    groups = {
        group.inputs["name"]: group
        for group in stack_run.children_of(database_component(stack_run).urn)
        if group.type == LOG_GROUP
    }
    # RDS also writes enhanced monitoring, into one group per account and region.
    assert set(groups) == {f"/aws/rds/instance/{identifier}/{log}" for log in exports} | {"RDSOSMetrics"}
    for group in groups.values():
        assert group.inputs["retentionInDays"] == retention
        assert group.inputs["kmsKeyId"] == client_key_arn(stack_run)
        assert group.urn in database.dependencies


def test_performance_insights_keeps_the_free_seven_days(stack_run: ProgramRun) -> None:
    inputs = instance(stack_run).inputs
    assert inputs["performanceInsightsEnabled"] is True
    assert inputs["performanceInsightsRetentionPeriod"] == 7


def test_database_sits_in_the_networks_private_subnets_and_is_not_public(stack_run: ProgramRun) -> None:
    # Subnets register concurrently, so their order in the run is not the network's order.
    private_subnet_ids = {
        subnet.outputs["id"]
        for subnet in stack_run.of_type("aws:ec2/subnet:Subnet")
        if subnet.inputs["tags"]["tier"] == "private"
    }
    subnet_group = one_child(stack_run, database_component(stack_run), SUBNET_GROUP)
    inputs = instance(stack_run).inputs
    assert len(private_subnet_ids) == client_config(stack_run).network.az_count
    assert len(subnet_group.inputs["subnetIds"]) == len(private_subnet_ids)
    assert set(subnet_group.inputs["subnetIds"]) == private_subnet_ids
    assert inputs["dbSubnetGroupName"] == subnet_group.outputs["name"]
    assert inputs["publiclyAccessible"] is False


def test_security_group_admits_no_address_range_and_opens_nothing_outwards(stack_run: ProgramRun) -> None:
    group = database_security_group(stack_run)
    vpc = only(stack_run.of_type("aws:ec2/vpc:Vpc"))
    assert group.inputs["vpcId"] == vpc.outputs["id"]
    assert not group.inputs.get("ingress")
    assert not group.inputs.get("egress")
    assert instance(stack_run).inputs["vpcSecurityGroupIds"] == [group.outputs["id"]]
    rules = [
        rule
        for rule in stack_run.resources
        if rule.type in (INGRESS_RULE, LEGACY_RULE)
        and rule.inputs.get("securityGroupId") == group.outputs["id"]
    ]
    # Exactly one way in: the service's tasks, on the engine port.
    assert len(rules) == 1, [rule.name for rule in rules]
    (rule,) = rules
    service_group = one_child(stack_run, one(stack_run, SERVICE_COMPONENT), SECURITY_GROUP)
    assert rule.type == INGRESS_RULE, rule.name
    assert rule.inputs["referencedSecurityGroupId"] == service_group.outputs["id"]
    assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule.inputs), rule.name
    assert rule.inputs["ipProtocol"] == "tcp"
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (POSTGRES_PORT, POSTGRES_PORT)


def test_every_resource_of_the_database_is_a_child_of_the_component(stack_run: ProgramRun) -> None:
    component = database_component(stack_run)
    children = stack_run.children_of(component.urn)
    assert {child.type for child in children} >= {
        INSTANCE,
        PARAMETER_GROUP,
        SUBNET_GROUP,
        SECURITY_GROUP,
        LOG_GROUP,
    }
    rds_resources = [resource for resource in stack_run.resources if resource.type.startswith("aws:rds/")]
    rds_log_groups = [
        group
        for group in stack_run.of_type(LOG_GROUP)
        if str(group.inputs.get("name", "")).startswith("/aws/rds/")
    ]
    assert all(resource.parent == component.urn for resource in rds_resources + rds_log_groups)


# --- `pulumi preview` ---------------------------------------------------------------------------------


def test_preview_registers_the_database_before_the_cloud_decides_ids(preview_run: ProgramRun) -> None:
    database = instance(preview_run)
    assert database.outputs.get("id") is None
    assert all(
        isinstance(value, Unknown)
        for value in (database.inputs["kmsKeyId"], *database.inputs["vpcSecurityGroupIds"])
    )
    # What the policy pack checks at preview is known already: names, flags and the log group names.
    identifier = f"toms-{preview_run.stack}"
    assert database.inputs["identifier"] == identifier
    assert database.inputs["storageEncrypted"] is True
    assert database.inputs["dbSubnetGroupName"] == identifier
    log_group_names = {
        group.inputs["name"]
        for group in preview_run.children_of(database_component(preview_run).urn)
        if group.type == LOG_GROUP
    }
    assert log_group_names == {
        f"/aws/rds/instance/{identifier}/postgresql",
        f"/aws/rds/instance/{identifier}/upgrade",
        "RDSOSMetrics",
    }


# --- the component on its own: `allow_from` and the outputs other components use -----------------------


def standalone_database(database: DatabaseConfig) -> EncryptedDatabase:
    return EncryptedDatabase(
        "unit",
        UNIT_CONTEXT,
        EncryptedDatabaseArgs(
            database=database,
            backup_days=7,
            kms_key_arn=UNIT_KEY_ARN,
            vpc_id="vpc-0a1b2c3d4e5f60718",
            private_subnet_ids=[pulumi.Output.from_input("subnet-0a"), pulumi.Output.from_input("subnet-0b")],
            log_policy=unit_log_policy(),
            alerts=unit_alert_topic(),
        ),
    )


def test_allow_from_admits_one_security_group_on_the_engine_port_only() -> None:
    def build() -> pulumi.Output[Any]:
        database = standalone_database(DatabaseConfig())
        database.allow_from("service", "sg-0123456789abcdef0")
        return database.security_group_id

    security_group_id, registrations = run_component(build)
    component = only([resource for resource in registrations if resource.type == COMPONENT])
    rule = only([resource for resource in registrations if resource.type == INGRESS_RULE])
    assert rule.parent == component.urn
    assert dict(rule.inputs) == {
        "securityGroupId": security_group_id,
        "referencedSecurityGroupId": "sg-0123456789abcdef0",
        "ipProtocol": "tcp",
        "fromPort": POSTGRES_PORT,
        "toPort": POSTGRES_PORT,
        "description": "PostgreSQL from service",
    }


def test_outputs_name_the_endpoint_and_the_rds_managed_secret() -> None:
    def build() -> pulumi.Output[Any]:
        database = standalone_database(DatabaseConfig())
        return pulumi.Output.all(
            endpoint=database.endpoint,
            address=database.address,
            port=database.port,
            database_name=database.database_name,
            secret_arn=database.secret_arn,
            security_group_id=database.security_group_id,
            instance_identifier=database.instance_identifier,
            instance_arn=database.instance_arn,
        )

    outputs, registrations = run_component(build)
    database = only([resource for resource in registrations if resource.type == INSTANCE])
    security_group = only([resource for resource in registrations if resource.type == SECURITY_GROUP])
    (secret,) = database.outputs["masterUserSecrets"]
    assert outputs == {
        "endpoint": database.outputs["endpoint"],
        "address": database.outputs["address"],
        "port": POSTGRES_PORT,
        "database_name": "app",
        "secret_arn": secret["secretArn"],
        "security_group_id": security_group.outputs["id"],
        "instance_identifier": "toms-unit",
        "instance_arn": "arn:aws:rds:eu-west-1:111122223333:db:toms-unit",
    }


@pytest.mark.parametrize("instance_class", ["db.t3.micro", "db.t4g.small", "db.r6g.large"])
def test_performance_insights_on_every_postgres_class_even_micro_and_small(instance_class: str) -> None:
    # RDS for PostgreSQL has no instance class restriction for Performance Insights (the micro and small
    # exclusion is MySQL's and MariaDB's), so the smallest classes keep it too.
    _, registrations = run_component(
        lambda: (
            standalone_database(DatabaseConfig.model_validate({"instanceClass": instance_class})).instance_arn
        )
    )
    inputs = only([resource for resource in registrations if resource.type == INSTANCE]).inputs
    assert inputs["instanceClass"] == instance_class
    assert inputs["performanceInsightsEnabled"] is True
    assert inputs["performanceInsightsKmsKeyId"] == UNIT_KEY_ARN


# --- bad database config: one clear problem naming the key, before anything is registered -------------


def acme_with_database(**database: Any) -> dict[str, Any]:
    config = stack_file("acme")
    config["toms:database"] = database
    return config


@pytest.mark.parametrize(
    ("database", "problem"),
    [
        (
            {"engine": "mysql"},
            "toms:database.engine: got \"mysql\"; expected 'postgres': toms supports only PostgreSQL, the one "
            "engine whose forced TLS (rds.force_ssl), log exports and restore drill it builds and tests",
        ),
        (
            {"engine": "aurora-postgresql"},
            "toms:database.engine: got \"aurora-postgresql\"; expected 'postgres': toms supports only "
            "PostgreSQL, the one engine whose forced TLS (rds.force_ssl), log exports and restore drill it "
            "builds and tests",
        ),
        (
            {"allocatedStorage": 19},
            "toms:database.allocatedStorage: got 19; expected at least 20 GiB, the minimum RDS allows for "
            "PostgreSQL",
        ),
        (
            {"instanceClass": "t4g.medium"},
            'toms:database.instanceClass: got "t4g.medium"; expected an RDS instance class such as '
            "db.t4g.medium or db.r6g.large",
        ),
        (
            {"instanceClass": "db.t4g"},
            'toms:database.instanceClass: got "db.t4g"; expected an RDS instance class such as '
            "db.t4g.medium or db.r6g.large",
        ),
        (
            {"engineVersion": "16"},
            'toms:database.engineVersion: got "16"; expected a PostgreSQL MAJOR.MINOR version with a major '
            "in RDS standard support: 14, 15, 16, 17 (e.g. 16.8)",
        ),
        (
            {"engineVersion": "13.20"},
            'toms:database.engineVersion: got "13.20"; expected a PostgreSQL MAJOR.MINOR version with a major '
            "in RDS standard support: 14, 15, 16, 17 (e.g. 16.8)",
        ),
    ],
    ids=[
        "mysql",
        "aurora",
        "storage-19",
        "class-without-db-prefix",
        "class-without-size",
        "major-only",
        "past-standard-support",
    ],
)
def test_bad_database_config_is_one_problem_naming_the_key(database: dict[str, Any], problem: str) -> None:
    assert problems_for(acme_with_database(**database)) == [problem]


def test_program_refuses_an_unsupported_engine_naming_the_file_and_key() -> None:
    config = flatten_stack_config(acme_with_database(engine="mariadb"), ACME_SOURCE)
    with pytest.raises(ProgramError) as caught:
        run_program(REPO, "acme", config=config)
    assert str(caught.value).startswith(
        f"{ACME_SOURCE}: 1 problem in the stack configuration; nothing was created:\n"
        "  - toms:database.engine: got \"mariadb\"; expected 'postgres'"
    )


def test_enhanced_monitoring_writes_through_a_least_privilege_role(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    database = instance(stack_run)
    assert database.inputs["monitoringInterval"] == 60
    (role,) = [
        role
        for role in stack_run.of_type("aws:iam/role:Role")
        if role.inputs["name"] == f"toms-{config.client}-rds-monitoring"
    ]
    assert database.inputs["monitoringRoleArn"] == role.outputs["arn"]
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": config.account_id},
        "ArnLike": {"aws:SourceArn": database.outputs["arn"]},
    }
    (policy,) = [
        policy
        for policy in stack_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if policy.inputs["role"] == role.outputs["id"]
    ]
    (permission,) = json.loads(policy.inputs["policy"])["Statement"]
    group = f"arn:aws:logs:{config.region}:{config.account_id}:log-group:RDSOSMetrics"
    assert permission["Resource"] == [group, f"{group}:log-stream:*"]
    assert sorted(permission["Action"]) == [
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    # No managed policy: AmazonRDSEnhancedMonitoringRole would add log group creation and retention changes.
    assert stack_run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []


def test_performance_insights_uses_the_client_key(stack_run: ProgramRun) -> None:
    assert instance(stack_run).inputs["performanceInsightsKmsKeyId"] == client_key_arn(stack_run)
