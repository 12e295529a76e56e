"""The client's application on ECS Fargate: always `replicas` healthy copies, replaced without a person.

Self-healing comes from three layers. A container whose own health check fails (`healthCheck`) or that
the load balancer marks unhealthy is stopped by ECS and replaced, because the service scheduler keeps the
running count at the desired count. A deployment whose new tasks keep failing is stopped by the circuit
breaker and rolled back to the last working task definition; during a deployment the old tasks keep
serving until their replacements are healthy (minimum healthy 100 %, maximum 200 %). Autoscaling tracks
CPU but its floor is the replica requirement, so scaling in can never go below it.

Spread across zones: the service runs in one private subnet per availability zone. Fargate does not take
placement strategies; ECS spreads a Fargate service's tasks evenly over the zones of its subnets by
itself, and availability-zone rebalancing moves tasks back when a zone's outage has left them uneven.

Locked down: awsvpc networking in private subnets without a public address, a read-only root file
system with a small in-memory /tmp, no privileges, every Linux capability dropped, a numeric non-root
user (the container port is >= 1024, so nothing needs root), ECS Exec off. Secrets reach the container
only through `secrets` (resolved by the ECS agent with the execution role); `environment` carries the
client's plain, non-secret values and the database's port. The database's host and the ARN of its
RDS-managed master secret come from SSM parameters whose names the program chooses, so the container
definition holds no value AWS decides and the pack judges it in the first preview.

Least privilege: the execution role may write to this service's log group, read exactly the secrets and
parameters the task names and decrypt them with the client key through their service only, and pull the
image's own ECR repository. `ecr:GetAuthorizationToken` has no resource-level permissions, so AWS
requires `Resource: "*"` for it; the action itself is named, never a wildcard. The task role (the
application) may read the database's managed secret and nothing else until the client grants more: RDS
rotates that password, so the application reads it when it connects rather than at start.

A CloudWatch alarm fires when fewer than `replicas` tasks run for three minutes.

The default container health check fetches `healthCheckPath` with curl, falling back to wget, so the image
needs a shell and one of the two; images without them set `toms:service.healthCheckCommand`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alarms import AlertTopic, metric_alarm
from components.config import (
    DATABASE_HOST_VARIABLE,
    DATABASE_PORT_VARIABLE,
    DATABASE_SECRET_ARN_VARIABLE,
    ServiceConfig,
)
from components.context import ClientContext
from components.database import DatabaseConnection
from components.iam import Statement, allow, from_this_account, service_role, use_client_key_through
from components.keys import KeyUser
from components.log_group import LogPolicy, client_log_group_name, retained_log_group
from policies.toms_pack import standards

CONTAINER_NAME = "app"
# Container Insights with enhanced observability: per-task and per-container metrics, so the evidence
# shows which copy failed and when it was replaced, not only service-level averages.
CONTAINER_INSIGHTS = "enhanced"
HEALTH_CHECK_GRACE_SECONDS = 60
CONTAINER_HEALTH_CHECK = {
    "interval": 10,
    "timeout": 5,
    "retries": 3,
    "startPeriod": HEALTH_CHECK_GRACE_SECONDS,
}
DEPLOYMENT_MAXIMUM_PERCENT = 200
CPU_TARGET_PERCENT = 60
SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300
# An in-memory /tmp (counted against the task's memory) keeps the root file system read-only for apps
# that write temporary files.
TMP_SIZE_MIB = 64
TMP_PATH = "/tmp"  # noqa: S108 - a private in-memory mount per container, not a shared host directory
TMP_MOUNT_OPTIONS = ("rw", "nosuid", "nodev", "noexec")
ECR_IMAGE_PATTERN = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>[a-z0-9._/-]+?)(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$"
)
ECR_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
EXECUTION_ROLE = "task-execution"
TASK_ROLE = "task"
# The alarm looks at the running count once a minute and fires after three minutes below `replicas`: a
# replaced task takes about that long to start and pass its health checks.
RUNNING_TASKS_PERIOD_SECONDS = 60
RUNNING_TASKS_EVALUATION_PERIODS = 3


def cluster_name(client: str) -> str:
    return f"toms-{client}"


def service_name(client: str) -> str:
    return f"{client}-{CONTAINER_NAME}"


def key_users(context: ClientContext) -> list[KeyUser]:
    """The service's roles that decrypt with the client key: the ECS agent reading the task's secrets and
    parameters, and the application reading the database's managed secret."""
    return [
        KeyUser(context.role_arn(EXECUTION_ROLE), ("kms:Decrypt",), ("secretsmanager", "ssm")),
        KeyUser(context.role_arn(TASK_ROLE), ("kms:Decrypt",), ("secretsmanager",)),
    ]


@dataclass(frozen=True)
class SelfHealingServiceArgs:
    service: ServiceConfig
    vpc_id: pulumi.Input[str]
    private_subnet_ids: Sequence[pulumi.Input[str]]
    # As `TlsLoadBalancer.target_group_arn` gives it: resolved once a listener uses the group.
    target_group_arn: pulumi.Input[str]
    load_balancer_security_group_id: pulumi.Input[str]
    log_policy: LogPolicy
    alerts: AlertTopic
    database: DatabaseConnection | None = None


def default_health_check_command(port: int, path: str) -> list[str]:
    """curl, else wget, fetches the health path on the loopback interface; any failure is unhealthy."""
    url = shlex.quote(f"http://127.0.0.1:{port}{path}")
    return [
        "CMD-SHELL",
        f"curl -fsS -o /dev/null {url} || wget -q -O /dev/null {url} || exit 1",
    ]


def ecr_repository_arn(image: str, partition: str) -> str | None:
    """The ECR repository the image is pulled from, or None for an image from another registry."""
    match = ECR_IMAGE_PATTERN.fullmatch(image)
    if match is None:
        return None
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"


def container_definitions(
    context: ClientContext, service: ServiceConfig, database: DatabaseConnection | None, log_group_name: str
) -> list[dict[str, Any]]:
    """The task's single container. Every value is known before anything exists, so the pack judges the
    container in the first preview: the database's host and secret ARN arrive through SSM parameters
    whose names the program chooses, resolved by the ECS agent when the task starts."""
    environment = dict(service.environment)
    secrets = dict(service.secrets)
    if database is not None:
        environment[DATABASE_PORT_VARIABLE] = str(database.port)
        secrets[DATABASE_HOST_VARIABLE] = database.host_parameter_arn
        secrets[DATABASE_SECRET_ARN_VARIABLE] = database.secret_arn_parameter_arn
    command = service.health_check_command or default_health_check_command(
        service.container_port, service.health_check_path
    )
    return [
        {
            "name": CONTAINER_NAME,
            "image": service.image,
            "essential": True,
            "user": service.user,
            "readonlyRootFilesystem": True,
            "privileged": False,
            "linuxParameters": {
                "initProcessEnabled": True,
                "capabilities": {"drop": ["ALL"]},
                "tmpfs": [
                    {"containerPath": TMP_PATH, "size": TMP_SIZE_MIB, "mountOptions": list(TMP_MOUNT_OPTIONS)}
                ],
            },
            "portMappings": [{"containerPort": service.container_port, "protocol": "tcp"}],
            "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
            "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(secrets.items())],
            "healthCheck": {"command": command, **CONTAINER_HEALTH_CHECK},
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group_name,
                    "awslogs-region": context.region,
                    "awslogs-stream-prefix": CONTAINER_NAME,
                },
            },
        }
    ]


def execution_statements(
    context: ClientContext, args: SelfHealingServiceArgs, log_group_arn: str
) -> list[Statement]:
    """What the ECS agent needs to start this task: its log group, its secrets and parameters, its image."""
    secret_arns = list(args.service.secrets.values())
    if args.database is not None:
        secret_arns += [args.database.host_parameter_arn, args.database.secret_arn_parameter_arn]
    secrets_manager = sorted({arn for arn in secret_arns if ":secretsmanager:" in arn})
    parameters = sorted({arn for arn in secret_arns if ":ssm:" in arn})
    statements: list[Statement] = [
        allow(
            "WriteThisServicesLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"{log_group_arn}:log-stream:*"],
        )
    ]
    if secrets_manager:
        statements.append(allow("ReadTheTasksSecrets", ["secretsmanager:GetSecretValue"], secrets_manager))
    if parameters:
        statements.append(allow("ReadTheTasksParameters", ["ssm:GetParameters"], parameters))
    via_services = [
        service for service, arns in (("secretsmanager", secrets_manager), ("ssm", parameters)) if arns
    ]
    if via_services:
        statements.append(
            use_client_key_through(
                context, "DecryptSecretsWithTheClientKeyThroughTheirService", ["kms:Decrypt"], via_services
            )
        )
    repository = ecr_repository_arn(args.service.image, context.partition)
    if repository is not None:
        statements += [
            # GetAuthorizationToken has no resource-level permissions: AWS requires Resource "*".
            allow("AuthenticateToEcr", ["ecr:GetAuthorizationToken"], "*"),
            allow("PullTheServicesImage", ECR_PULL_ACTIONS, [repository]),
        ]
    return statements


def task_statements(context: ClientContext, database: DatabaseConnection | None) -> list[Statement] | None:
    """The application's permissions: read the database's RDS-managed master secret, which RDS rotates,
    when it connects. The secret's ARN is AWS's choice; RDS tags the secret with its instance's ARN, which
    is the program's."""
    if database is None:
        return None
    return [
        {
            **allow(
                "ReadTheDatabasesManagedSecret",
                ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                context.arn("secretsmanager", "secret:rds!db-*"),
            ),
            "Condition": {
                "StringEquals": {
                    "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": database.instance_arn
                }
            },
        },
        use_client_key_through(
            context, "DecryptTheSecretThroughSecretsManager", ["kms:Decrypt"], ["secretsmanager"]
        ),
    ]


class SelfHealingService(pulumi.ComponentResource):
    """ECS on Fargate: `replicas` copies behind the load balancer, replaced on failure, never fewer."""

    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    service_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    execution_role_arn: pulumi.Output[str]
    task_role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: SelfHealingServiceArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:service:SelfHealingService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        service = args.service
        cluster = cluster_name(context.client)

        # Container Insights writes to this group; made here first, it has the client's retention and key
        # instead of the never-expiring, AWS-encrypted group ECS would create.
        insights_logs = retained_log_group(
            f"{name}-container-insights",
            f"/aws/ecs/containerinsights/{cluster}/performance",
            args.log_policy,
            parent=self,
        )
        ecs_cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=cluster,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=CONTAINER_INSIGHTS)],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[insights_logs]),
        )
        app_log_group_name = client_log_group_name(context.client, "service")
        app_logs = retained_log_group(f"{name}-app-logs", app_log_group_name, args.log_policy, parent=self)

        # Only ECS tasks of this account and region may assume the roles (no confused deputy).
        tasks_of_this_account = from_this_account(context, context.arn("ecs", "*"))
        execution_role = service_role(
            f"{name}-execution",
            context,
            purpose=EXECUTION_ROLE,
            description="ECS agent starts the service's tasks",
            service="ecs-tasks.amazonaws.com",
            trust_condition=tasks_of_this_account,
            statements=execution_statements(context, args, context.log_group_arn(app_log_group_name)),
            parent=self,
        )
        task_role = service_role(
            f"{name}-task",
            context,
            purpose=TASK_ROLE,
            description="the application: reads its database secret; more only if the client grants it",
            service="ecs-tasks.amazonaws.com",
            trust_condition=tasks_of_this_account,
            statements=task_statements(context, args.database),
            parent=self,
        )

        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=f"toms-{context.client}-{CONTAINER_NAME}",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(service.cpu),
            memory=str(service.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(operating_system_family="LINUX"),
            execution_role_arn=execution_role.arn,
            task_role_arn=task_role.arn,
            container_definitions=json.dumps(
                container_definitions(context, service, args.database, app_log_group_name)
            ),
            # The container names its log group and the database's parameters by name: they come first.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[app_logs, *(args.database.ready if args.database is not None else ())],
            ),
        )

        database = args.database
        security_group = aws.ec2.SecurityGroup(
            f"{name}-tasks",
            vpc_id=args.vpc_id,
            description=f"toms {context.client}: the service's tasks",
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-alb",
            security_group_id=security_group.id,
            referenced_security_group_id=args.load_balancer_security_group_id,
            ip_protocol="tcp",
            from_port=service.container_port,
            to_port=service.container_port,
            description="requests and health checks from the load balancer",
            opts=child,
        )
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-https-out",
            security_group_id=security_group.id,
            cidr_ipv4="0.0.0.0/0",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            description="HTTPS through the NAT gateways: image registry, Secrets Manager, CloudWatch Logs",
            opts=child,
        )
        if database is not None:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-to-database",
                security_group_id=security_group.id,
                referenced_security_group_id=database.security_group_id,
                ip_protocol="tcp",
                from_port=database.port,
                to_port=database.port,
                description="PostgreSQL connections to the client's database",
                opts=child,
            )

        ecs_service = aws.ecs.Service(
            f"{name}-service",
            name=service_name(context.client),
            cluster=ecs_cluster.arn,
            task_definition=task_definition.arn,
            launch_type="FARGATE",
            platform_version="LATEST",
            desired_count=service.replicas,
            deployment_minimum_healthy_percent=standards.MIN_HEALTHY_PERCENT,
            deployment_maximum_percent=DEPLOYMENT_MAXIMUM_PERCENT,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=True, rollback=True
            ),
            health_check_grace_period_seconds=HEALTH_CHECK_GRACE_SECONDS,
            availability_zone_rebalancing="ENABLED",
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.private_subnet_ids),
                security_groups=[security_group.id],
                assign_public_ip=False,
            ),
            load_balancers=[
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group_arn,
                    container_name=CONTAINER_NAME,
                    container_port=service.container_port,
                )
            ],
            enable_execute_command=False,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # Autoscaling owns the running count between `replicas` and the maximum; a later `pulumi up`
            # must not reset a scaled-out service. The replica floor is the scaling target's minimum.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["desiredCount"]),
        )

        scaling_target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", ecs_cluster.name, "/", ecs_service.name),
            min_capacity=service.replicas,
            max_capacity=service.autoscaling_max,
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{name}-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=scaling_target.service_namespace,
            scalable_dimension=scaling_target.scalable_dimension,
            resource_id=scaling_target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                target_value=CPU_TARGET_PERCENT,
                scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
                scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
            ),
            opts=child,
        )

        metric_alarm(
            f"{name}-running-tasks",
            context,
            args.alerts,
            purpose=standards.ALARM_TASKS_BELOW_REPLICAS,
            description=f"fewer than {service.replicas} tasks of the service are running",
            parent=self,
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            dimensions={"ClusterName": cluster, "ServiceName": service_name(context.client)},
            statistic="Minimum",
            period=RUNNING_TASKS_PERIOD_SECONDS,
            evaluation_periods=RUNNING_TASKS_EVALUATION_PERIODS,
            threshold=service.replicas,
            comparison_operator="LessThanThreshold",
            # No data means no task reports: none is running.
            treat_missing_data="breaching",
        )

        self.cluster_name = ecs_cluster.name
        self.cluster_arn = ecs_cluster.arn
        self.service_name = ecs_service.name
        self.security_group_id = security_group.id
        self.task_definition_arn = task_definition.arn
        self.log_group_name = app_logs.name
        self.execution_role_arn = execution_role.arn
        self.task_role_arn = task_role.arn
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "service_name": self.service_name,
                "security_group_id": self.security_group_id,
                "task_definition_arn": self.task_definition_arn,
                "log_group_name": self.log_group_name,
            }
        )
