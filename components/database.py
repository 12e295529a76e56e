"""The client's PostgreSQL database: encrypted at rest and in transit, private, redundant and backed up.

Storage, the RDS-managed master secret and Performance Insights are encrypted with the client's key. The
server refuses unencrypted connections (`rds.force_ssl`) and presents a current CA. No password exists in
config, code, outputs or state: RDS generates it and keeps it in Secrets Manager; people and the service
sign in with IAM database authentication. The server and upgrade logs land in log groups made here first,
so they carry the client's retention and key instead of RDS's never-expiring default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import AlertTopic, metric_alarm
from components.config import DatabaseConfig
from components.context import ClientContext
from components.iam import allow, from_this_account, service_role
from components.log_group import LogPolicy, retained_log_group
from policies.toms_pack import standards

POSTGRES_PORT = 5432
MASTER_USERNAME = "toms_admin"
DATABASE_NAME = "app"
# The logs RDS for PostgreSQL can export: the server log (connections, errors, statements) and the log of
# engine upgrades.
LOG_EXPORTS: tuple[str, ...] = ("postgresql", "upgrade")
# Performance Insights' free tier keeps seven days; longer retention is billed per vCPU. RDS for PostgreSQL
# runs it on every instance class: the exclusion of db.t2/t3/t4g micro and small applies to MySQL and
# MariaDB only (RDS User Guide, "DB engine, Region, and instance class support for Performance Insights").
PERFORMANCE_INSIGHTS_RETENTION_DAYS = 7
# Enhanced monitoring: OS metrics (CPU steal, memory, processes) every minute, the free-tier interval's
# finest step that stays within CloudWatch Logs' free ingestion for one instance.
MONITORING_INTERVAL_SECONDS = 60
# RDS writes enhanced monitoring to this log group, one per account and region, creating it without
# expiry if it is missing; made here first it carries the client's retention and key (one client per
# account, see README).
ENHANCED_MONITORING_LOG_GROUP = "RDSOSMetrics"
MONITORING_ROLE = "rds-monitoring"
# The database alarms when less than this share of its allocated storage is free.
FREE_STORAGE_ALARM_FRACTION = 0.10
GIB = 1024**3


def connection_parameter_name(client: str, value: str) -> str:
    """The SSM parameter that hands the task one value of its database connection."""
    return f"/toms/{client}/database/{value}"


def instance_identifier(client: str) -> str:
    """The DB instance identifier; fixed rather than generated so the log group names are known first."""
    return f"toms-{client}"


def rds_log_group_name(identifier: str, log: str) -> str:
    """The log group RDS writes an exported log to; RDS creates it (never expiring) if it does not exist."""
    return f"/aws/rds/instance/{identifier}/{log}"


@dataclass(frozen=True)
class DatabaseConnection:
    """How the service finds its database, in values known before the database exists: the parameters
    that will hold its host and its managed secret's ARN, the port, and the instance the secret belongs to
    (RDS tags the secret with it)."""

    host_parameter_arn: str
    secret_arn_parameter_arn: str
    port: int
    instance_arn: str
    security_group_id: pulumi.Input[str]
    # The task may start only once both parameters hold their values.
    ready: Sequence[pulumi.Resource]


@dataclass(frozen=True)
class EncryptedDatabaseArgs:
    database: DatabaseConfig
    backup_days: int
    kms_key_arn: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    private_subnet_ids: list[pulumi.Output[str]]
    log_policy: LogPolicy
    alerts: AlertTopic


class EncryptedDatabase(pulumi.ComponentResource):
    """One PostgreSQL instance per client; only security groups passed to `allow_from` may reach it."""

    endpoint: pulumi.Output[str]
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    database_name: pulumi.Output[str]
    secret_arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    instance_identifier: pulumi.Output[str]
    instance_arn: pulumi.Output[str]

    connection: DatabaseConnection

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: EncryptedDatabaseArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:database:EncryptedDatabase", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        database = args.database
        identifier = instance_identifier(context.client)
        instance_arn = context.arn("rds", f"db:{identifier}")

        subnet_group = aws.rds.SubnetGroup(
            f"{name}-db",
            name=identifier,
            description=f"toms: private subnets of client {context.client}",
            subnet_ids=args.private_subnet_ids,
            opts=child,
        )
        force_tls_parameter, (force_tls_value, *_) = standards.TLS_PARAMETERS[database.engine]
        tls_version_parameter, (tls_version_value, *_) = standards.TLS_VERSION_PARAMETERS[database.engine]
        # The family is part of the name, so a major upgrade creates the new family's group before the
        # instance leaves the old one.
        parameter_group = aws.rds.ParameterGroup(
            f"{name}-db",
            name=f"{identifier}-{database.parameter_group_family}",
            family=database.parameter_group_family,
            description=f"toms: client {context.client}, encrypted connections only",
            parameters=[
                aws.rds.ParameterGroupParameterArgs(name=force_tls_parameter, value=force_tls_value),
                aws.rds.ParameterGroupParameterArgs(name=tls_version_parameter, value=tls_version_value),
            ],
            opts=child,
        )
        # No ingress until `allow_from` names a source, and no egress at all: the database never opens a
        # connection, and a security group is stateful, so replies to admitted clients still flow. The
        # provider removes the allow-all egress rule AWS adds to a new group when none is declared.
        security_group = aws.ec2.SecurityGroup(
            f"{name}-db",
            vpc_id=args.vpc_id,
            description=f"toms: database of client {context.client}",
            tags={"Name": f"toms-{context.client}-database"},
            opts=child,
        )
        log_groups = [
            retained_log_group(
                f"{name}-db-{log}", rds_log_group_name(identifier, log), args.log_policy, parent=self
            )
            for log in LOG_EXPORTS
        ]
        monitoring_logs = retained_log_group(
            f"{name}-db-enhanced-monitoring", ENHANCED_MONITORING_LOG_GROUP, args.log_policy, parent=self
        )
        monitoring_log_group_arn = context.log_group_arn(ENHANCED_MONITORING_LOG_GROUP)
        monitoring_role = service_role(
            f"{name}-db-monitoring",
            context,
            purpose=MONITORING_ROLE,
            description="RDS enhanced monitoring writes the database's OS metrics",
            service="monitoring.rds.amazonaws.com",
            trust_condition=from_this_account(context, instance_arn),
            statements=[
                allow(
                    "WriteTheEnhancedMonitoringLogGroupOnly",
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [monitoring_log_group_arn, f"{monitoring_log_group_arn}:log-stream:*"],
                )
            ],
            parent=self,
        )
        instance = aws.rds.Instance(
            f"{name}-db",
            identifier=identifier,
            engine=database.engine,
            # With minor upgrades on, RDS moves past this version in a maintenance window; the stack file
            # then needs the new minor, or the provider plans a downgrade that RDS refuses
            # (terraform-provider-aws#39579).
            engine_version=database.engine_version,
            instance_class=database.instance_class,
            allocated_storage=database.allocated_storage,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.kms_key_arn,
            db_name=DATABASE_NAME,
            username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.kms_key_arn,
            iam_database_authentication_enabled=True,
            port=POSTGRES_PORT,
            parameter_group_name=parameter_group.name,
            ca_cert_identifier=standards.RDS_CA_CERTIFICATE_IDENTIFIER,
            db_subnet_group_name=subnet_group.name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            multi_az=database.multi_az,
            backup_retention_period=args.backup_days,
            copy_tags_to_snapshot=True,
            deletion_protection=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{identifier}-final",
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.kms_key_arn,
            performance_insights_retention_period=PERFORMANCE_INSIGHTS_RETENTION_DAYS,
            monitoring_interval=MONITORING_INTERVAL_SECONDS,
            monitoring_role_arn=monitoring_role.arn,
            tags={standards.TAG_DATA_CLASSIFICATION: standards.DATA_CLASSIFICATION_PERSONAL},
            # RDS creates a missing export log group itself, with no expiry and no key.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*log_groups, monitoring_logs]),
        )
        secret_arn = instance.master_user_secrets.apply(_managed_secret_arn)
        parameters = [
            aws.ssm.Parameter(
                f"{name}-db-{value}",
                name=connection_parameter_name(context.client, value),
                description=f"toms {context.client}: the database's {description}, for the service",
                type="String",
                value=output,
                opts=child,
            )
            for value, description, output in (
                ("host", "host name", instance.address),
                ("secret-arn", "RDS-managed master secret ARN", secret_arn),
            )
        ]
        metric_alarm(
            f"{name}-db-free-storage",
            context,
            args.alerts,
            purpose=standards.ALARM_DATABASE_STORAGE,
            description=(
                f"less than {FREE_STORAGE_ALARM_FRACTION:.0%} of the database's "
                f"{database.allocated_storage} GiB storage is free"
            ),
            parent=self,
            namespace="AWS/RDS",
            metric_name="FreeStorageSpace",
            dimensions={"DBInstanceIdentifier": identifier},
            statistic="Minimum",
            period=300,
            evaluation_periods=1,
            threshold=database.allocated_storage * GIB * FREE_STORAGE_ALARM_FRACTION,
            comparison_operator="LessThanThreshold",
            treat_missing_data="notBreaching",
        )

        self.endpoint = instance.endpoint
        self.address = instance.address
        self.port = instance.port
        self.database_name = instance.db_name
        self.secret_arn = secret_arn
        self.connection = DatabaseConnection(
            host_parameter_arn=context.parameter_arn(connection_parameter_name(context.client, "host")),
            secret_arn_parameter_arn=context.parameter_arn(
                connection_parameter_name(context.client, "secret-arn")
            ),
            port=POSTGRES_PORT,
            instance_arn=instance_arn,
            security_group_id=security_group.id,
            ready=parameters,
        )
        self.security_group_id = security_group.id
        self.instance_identifier = instance.identifier
        self.instance_arn = instance.arn
        self.register_outputs(
            {
                "endpoint": self.endpoint,
                "address": self.address,
                "port": self.port,
                "database_name": self.database_name,
                "secret_arn": self.secret_arn,
                "security_group_id": self.security_group_id,
                "instance_identifier": self.instance_identifier,
                "instance_arn": self.instance_arn,
            }
        )

    def allow_from(self, name: str, source_security_group_id: pulumi.Input[str]) -> None:
        """Admit connections on the PostgreSQL port from the members of one security group."""
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-db-from-{name}",
            security_group_id=self.security_group_id,
            referenced_security_group_id=source_security_group_id,
            ip_protocol="tcp",
            from_port=POSTGRES_PORT,
            to_port=POSTGRES_PORT,
            description=f"PostgreSQL from {name}",
            opts=pulumi.ResourceOptions(parent=self),
        )


def _managed_secret_arn(secrets: Sequence[aws.rds.outputs.InstanceMasterUserSecret]) -> str:
    arn = secrets[0].secret_arn if secrets else None
    if arn is None:
        raise pulumi.RunError(
            "RDS reported no managed master user secret although manage_master_user_password is set"
        )
    return arn
