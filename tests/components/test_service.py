"""The self-healing ECS service, as the real program registers it for every example stack."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pulumi
import pytest

from components.config import (
    DATABASE_HOST_VARIABLE,
    DATABASE_PORT_VARIABLE,
    DATABASE_SECRET_ARN_VARIABLE,
    MAX_REPLICAS,
    ServiceConfig,
)
from components.context import ClientContext
from components.service import (
    CONTAINER_NAME,
    container_definitions,
    default_health_check_command,
    ecr_repository_arn,
)
from policies.toms_pack import standards
from tests.components.edge_service_stack import (
    DATABASE_COMPONENT,
    LOAD_BALANCER_COMPONENT,
    SERVICE_COMPONENT,
    VPC,
    config_error,
    json_input,
    rules_of,
    stack_replicas,
    stack_service,
    subnet_ids,
)
from tests.components.program_reading import (
    EGRESS_RULE,
    INGRESS_RULE,
    LOG_GROUP,
    METRIC_ALARM,
    POSTGRES_PORT,
    SECURITY_GROUP,
    SUBSCRIPTION_FILTER,
    children,
    client_config,
    one,
    one_child,
    stack_file,
    statement_actions,
)
from tests.conftest import REPO
from toms.offline.mock_runtime import ProgramRun, RegisteredResource, run_program

CLUSTER = "aws:ecs/cluster:Cluster"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
RDS_INSTANCE = "aws:rds/instance:Instance"
PARAMETER = "aws:ssm/parameter:Parameter"


def component(run: ProgramRun) -> RegisteredResource:
    return one(run, SERVICE_COMPONENT)


def container(run: ProgramRun) -> dict[str, Any]:
    definitions = json_input(one_child(run, component(run), TASK_DEFINITION), "containerDefinitions")
    assert isinstance(definitions, list) and len(definitions) == 1
    only: dict[str, Any] = definitions[0]
    return only


def service_group_id(run: ProgramRun) -> str:
    group_id: str = one_child(run, component(run), SECURITY_GROUP).outputs["id"]
    return group_id


def database_secret_arn(run: ProgramRun) -> str:
    arn: str = one(run, RDS_INSTANCE).outputs["masterUserSecrets"][0]["secretArn"]
    return arn


def unwrapped(value: Any) -> Any:
    """A value as the program set it; the provider marks every SSM parameter value secret."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def connection_parameters(run: ProgramRun) -> dict[str, RegisteredResource]:
    """The SSM parameters the database hands the service its connection through, by name."""
    return {parameter.inputs["name"]: parameter for parameter in run.of_type(PARAMETER)}


def role_named(run: ProgramRun, suffix: str) -> RegisteredResource:
    (role,) = [role for role in children(run, component(run), ROLE) if role.name.endswith(suffix)]
    return role


def inline_policies(run: ProgramRun, role: RegisteredResource) -> list[dict[str, Any]]:
    return [
        json_input(policy, "policy")
        for policy in run.of_type(ROLE_POLICY)
        if policy.inputs["role"] == role.outputs["id"]
    ]


def test_every_resource_of_the_service_is_a_child_of_the_component(stack_run: ProgramRun) -> None:
    service = component(stack_run)
    for type_token in (CLUSTER, TASK_DEFINITION, ECS_SERVICE, SCALING_TARGET, SCALING_POLICY):
        assert all(resource.parent == service.urn for resource in stack_run.of_type(type_token)), type_token
    group_id = service_group_id(stack_run)
    for type_token in (INGRESS_RULE, EGRESS_RULE):
        for rule in rules_of(stack_run, type_token, group_id):
            assert rule.parent == service.urn, rule.name
    assert {resource.type for resource in stack_run.children_of(service.urn)} == {
        CLUSTER,
        TASK_DEFINITION,
        ECS_SERVICE,
        SCALING_TARGET,
        SCALING_POLICY,
        ROLE,
        ROLE_POLICY,
        LOG_GROUP,
        SUBSCRIPTION_FILTER,
        SECURITY_GROUP,
        INGRESS_RULE,
        EGRESS_RULE,
        METRIC_ALARM,
    }


def test_cluster_has_container_insights_into_a_retained_log_group(stack_run: ProgramRun) -> None:
    cluster = one_child(stack_run, component(stack_run), CLUSTER)
    assert cluster.inputs["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    insights_name = f"/aws/ecs/containerinsights/{cluster.inputs['name']}/performance"
    (insights,) = [group for group in stack_run.of_type(LOG_GROUP) if group.inputs["name"] == insights_name]
    assert insights.parent == component(stack_run).urn
    assert insights.urn in cluster.dependencies  # made before ECS could create it without retention


def test_task_definition_is_fargate_awsvpc_with_the_stacks_size(stack_run: ProgramRun) -> None:
    task = one_child(stack_run, component(stack_run), TASK_DEFINITION).inputs
    service = stack_service(stack_run)
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert task["cpu"] == str(service.get("cpu", 512))
    assert task["memory"] == str(service.get("memory", 1024))


def test_container_is_locked_down(stack_run: ProgramRun) -> None:
    app = container(stack_run)
    assert app["name"] == CONTAINER_NAME
    assert app["image"] == stack_service(stack_run)["image"]
    assert app["essential"] is True
    assert app["readonlyRootFilesystem"] is True
    assert app["privileged"] is False
    uid = app["user"].split(":")[0]
    assert uid.isdigit() and int(uid) > 0
    assert app["linuxParameters"]["capabilities"] == {"drop": ["ALL"]}
    (scratch,) = app["linuxParameters"]["tmpfs"]
    assert scratch["containerPath"] == "/tmp"
    assert {"noexec", "nosuid", "nodev"} <= set(scratch["mountOptions"])
    port = stack_service(stack_run).get("containerPort", 8080)
    assert app["portMappings"] == [{"containerPort": port, "protocol": "tcp"}]


def test_container_health_check_fetches_the_health_path(stack_run: ProgramRun) -> None:
    check = container(stack_run)["healthCheck"]
    service = stack_service(stack_run)
    path = service.get("healthCheckPath", "/health")
    assert check["command"][0] == "CMD-SHELL"
    assert f"127.0.0.1:{service.get('containerPort', 8080)}{path}" in check["command"][1]
    assert check["retries"] >= 1 and check["timeout"] < check["interval"]
    assert check["startPeriod"] > 0


def test_container_logs_go_to_the_clients_retained_exported_log_group(stack_run: ProgramRun) -> None:
    logging = container(stack_run)["logConfiguration"]
    assert logging["logDriver"] == "awslogs"
    group_name = logging["options"]["awslogs-group"]
    assert logging["options"]["awslogs-region"] == stack_file(stack_run.stack)["aws:region"]
    (group,) = [group for group in stack_run.of_type(LOG_GROUP) if group.inputs["name"] == group_name]
    assert group.parent == component(stack_run).urn
    assert group.inputs["retentionInDays"] == stack_file(stack_run.stack)["toms:retention"]["logDays"]
    assert group.inputs["kmsKeyId"] == one(stack_run, "aws:kms/key:Key").outputs["arn"]
    assert [
        subscription
        for subscription in stack_run.of_type(SUBSCRIPTION_FILTER)
        if subscription.inputs["logGroup"] == group_name
    ], "the log group is not exported: it was not made with retained_log_group"


def test_secrets_only_through_secrets_and_the_database_wired_in(stack_run: ProgramRun) -> None:
    app = container(stack_run)
    service = stack_service(stack_run)
    secrets = {entry["name"]: entry["valueFrom"] for entry in app["secrets"]}
    environment = {entry["name"]: entry["value"] for entry in app["environment"]}
    config = client_config(stack_run)
    parameter_arn = f"arn:aws:ssm:{config.region}:{config.account_id}:parameter/toms/{config.client}/database"
    assert secrets == {
        **service.get("secrets", {}),
        DATABASE_HOST_VARIABLE: f"{parameter_arn}/host",
        DATABASE_SECRET_ARN_VARIABLE: f"{parameter_arn}/secret-arn",
    }
    database = one(stack_run, RDS_INSTANCE).outputs
    assert environment == {
        **service.get("environment", {}),
        DATABASE_PORT_VARIABLE: str(int(database["port"])),
    }
    # The parameters the container names hold what the database became.
    parameters = connection_parameters(stack_run)
    prefix = f"/toms/{config.client}/database"
    assert unwrapped(parameters[f"{prefix}/host"].inputs["value"]) == database["address"]
    assert unwrapped(parameters[f"{prefix}/secret-arn"].inputs["value"]) == database_secret_arn(stack_run)
    assert set(parameters) == {f"{prefix}/host", f"{prefix}/secret-arn"}
    assert {parameter.outputs["arn"] for parameter in parameters.values()} == {
        secrets[DATABASE_HOST_VARIABLE],
        secrets[DATABASE_SECRET_ARN_VARIABLE],
    }
    for parameter in parameters.values():
        assert parameter.inputs["type"] == "String", "a host name and an ARN, not secrets"
        assert parameter.urn in one_child(stack_run, component(stack_run), TASK_DEFINITION).dependencies
    assert not set(secrets) & set(environment)
    assert not set(secrets.values()) & set(environment.values())


def test_the_container_is_known_in_the_first_preview(preview_run: ProgramRun) -> None:
    """Everything the pack judges in a task definition is decided by the program, not by AWS."""
    definitions = one_child(preview_run, component(preview_run), TASK_DEFINITION).inputs[
        "containerDefinitions"
    ]
    assert isinstance(definitions, str)
    (app,) = json.loads(definitions)
    assert app["readonlyRootFilesystem"] is True and app["privileged"] is False
    assert app["logConfiguration"]["logDriver"] == "awslogs"


def test_service_keeps_the_stacks_replicas_healing_and_private(stack_run: ProgramRun) -> None:
    service = one_child(stack_run, component(stack_run), ECS_SERVICE).inputs
    assert service["desiredCount"] == stack_replicas(stack_run) >= standards.MIN_REPLICAS
    assert service["launchType"] == "FARGATE"
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["deploymentMinimumHealthyPercent"] == 100
    assert service["deploymentMaximumPercent"] == 200
    assert service["healthCheckGracePeriodSeconds"] >= standards.MIN_HEALTH_CHECK_GRACE_SECONDS
    assert service["enableExecuteCommand"] is False
    assert service["availabilityZoneRebalancing"] == "ENABLED"
    network = service["networkConfiguration"]
    assert network["assignPublicIp"] is False
    assert sorted(network["subnets"]) == sorted(subnet_ids(stack_run, "private"))
    assert len(network["subnets"]) == stack_file(stack_run.stack).get("toms:network", {}).get("azCount", 2)
    assert network["securityGroups"] == [service_group_id(stack_run)]
    target_group = one(stack_run, TARGET_GROUP)
    assert service["loadBalancers"] == [
        {
            "targetGroupArn": target_group.outputs["arn"],
            "containerName": CONTAINER_NAME,
            "containerPort": stack_service(stack_run).get("containerPort", 8080),
        }
    ]


def test_service_waits_for_the_https_listener(stack_run: ProgramRun) -> None:
    service = one_child(stack_run, component(stack_run), ECS_SERVICE)
    (https,) = [
        listener
        for listener in stack_run.of_type("aws:lb/listener:Listener")
        if listener.inputs["protocol"] == "HTTPS"
    ]
    assert https.urn in service.dependencies


def test_tasks_start_only_once_the_execution_role_may_pull_their_secrets(stack_run: ProgramRun) -> None:
    task_definition = one_child(stack_run, component(stack_run), TASK_DEFINITION)
    execution_role = role_named(stack_run, "-execution")
    assert execution_role.inputs["name"] == f"toms-{stack_run.stack}-task-execution"
    (permission,) = [
        policy
        for policy in children(stack_run, component(stack_run), ROLE_POLICY)
        if policy.inputs["role"] == execution_role.outputs["id"]
    ]
    assert task_definition.inputs["executionRoleArn"] == execution_role.outputs["arn"]
    assert permission.urn in task_definition.property_dependencies["executionRoleArn"]
    assert permission.urn in task_definition.dependencies


def test_autoscaling_never_goes_below_the_replicas(stack_run: ProgramRun) -> None:
    target = one_child(stack_run, component(stack_run), SCALING_TARGET).inputs
    replicas = stack_replicas(stack_run)
    maximum = stack_service(stack_run).get("maxReplicas", min(2 * replicas, MAX_REPLICAS))
    cluster = one_child(stack_run, component(stack_run), CLUSTER).inputs["name"]
    service = one_child(stack_run, component(stack_run), ECS_SERVICE).inputs["name"]
    assert target["minCapacity"] == replicas
    assert target["maxCapacity"] == maximum >= replicas
    assert target["resourceId"] == f"service/{cluster}/{service}"
    assert target["scalableDimension"] == "ecs:service:DesiredCount"
    policy = one_child(stack_run, component(stack_run), SCALING_POLICY).inputs
    assert policy["policyType"] == "TargetTrackingScaling"
    tracking = policy["targetTrackingScalingPolicyConfiguration"]
    assert tracking["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"
    }
    assert 0 < tracking["targetValue"] < 100


def _resources(statement: dict[str, Any]) -> list[str]:
    resources = statement["Resource"]
    return [resources] if isinstance(resources, str) else list(resources)


def test_roles_have_no_wildcard_actions_and_scoped_resources(stack_run: ProgramRun) -> None:
    for role in children(stack_run, component(stack_run), ROLE):
        trust = json_input(role, "assumeRolePolicy")["Statement"]
        assert [statement["Principal"] for statement in trust] == [{"Service": "ecs-tasks.amazonaws.com"}]
        assert all("aws:SourceAccount" in statement["Condition"]["StringEquals"] for statement in trust)
        for document in inline_policies(stack_run, role):
            for statement in document["Statement"]:
                assert all("*" not in action for action in statement_actions(statement)), statement
                if "*" in _resources(statement):
                    # GetAuthorizationToken cannot be scoped to a resource (AWS requires "*").
                    assert statement_actions(statement) == ["ecr:GetAuthorizationToken"]


def test_the_application_reads_only_its_databases_managed_secret(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    (policy,) = inline_policies(stack_run, role_named(stack_run, "-task"))
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert set(statements) == {"ReadTheDatabasesManagedSecret", "DecryptTheSecretThroughSecretsManager"}
    read = statements["ReadTheDatabasesManagedSecret"]
    assert sorted(statement_actions(read)) == [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
    ]
    # AWS names the secret; RDS tags it with the instance, whose ARN the program chose.
    assert read["Resource"] == f"arn:aws:secretsmanager:{config.region}:{config.account_id}:secret:rds!db-*"
    assert read["Condition"] == {
        "StringEquals": {
            "secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn": one(stack_run, RDS_INSTANCE).outputs[
                "arn"
            ]
        }
    }
    assert database_secret_arn(stack_run).startswith(
        f"arn:aws:secretsmanager:{config.region}:{config.account_id}:secret:"
    )
    decrypt = statements["DecryptTheSecretThroughSecretsManager"]
    assert statement_actions(decrypt) == ["kms:Decrypt"]
    assert decrypt["Condition"]["StringEquals"] == {
        "kms:ViaService": [f"secretsmanager.{config.region}.amazonaws.com"]
    }


def test_execution_role_reaches_exactly_its_log_group_secrets_and_image(stack_run: ProgramRun) -> None:
    (policy,) = inline_policies(stack_run, role_named(stack_run, "-execution"))
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    group_name = container(stack_run)["logConfiguration"]["options"]["awslogs-group"]
    (group,) = [group for group in stack_run.of_type(LOG_GROUP) if group.inputs["name"] == group_name]
    assert _resources(statements["WriteThisServicesLogs"]) == [f"{group.outputs['arn']}:log-stream:*"]
    secret_arns = list(stack_service(stack_run).get("secrets", {}).values())
    named = {entry["valueFrom"] for entry in container(stack_run)["secrets"]}
    readable = {
        arn
        for sid in ("ReadTheTasksSecrets", "ReadTheTasksParameters")
        if sid in statements
        for arn in _resources(statements[sid])
    }
    assert readable == named >= set(secret_arns)
    decrypt = statements["DecryptSecretsWithTheClientKeyThroughTheirService"]
    # The client key by its alias, through the services that hold the secrets only.
    config = client_config(stack_run)
    assert _resources(decrypt) == [f"arn:aws:kms:{config.region}:{config.account_id}:key/*"]
    assert decrypt["Condition"]["ForAnyValue:StringEquals"] == {
        "kms:ResourceAliases": f"alias/toms/{config.client}"
    }
    assert one(stack_run, "aws:kms/alias:Alias").inputs["name"] == f"alias/toms/{config.client}"
    repository = ecr_repository_arn(stack_service(stack_run)["image"], "aws")
    if repository is None:
        assert "PullTheServicesImage" not in statements and "AuthenticateToEcr" not in statements
    else:
        assert _resources(statements["PullTheServicesImage"]) == [repository]


def test_security_groups_reference_each_other_along_the_request_path(stack_run: ProgramRun) -> None:
    port = stack_service(stack_run).get("containerPort", 8080)
    edge_group = one_child(stack_run, one(stack_run, LOAD_BALANCER_COMPONENT), SECURITY_GROUP).outputs["id"]
    database_group = one_child(stack_run, one(stack_run, DATABASE_COMPONENT), SECURITY_GROUP).outputs["id"]
    own = service_group_id(stack_run)

    (ingress,) = rules_of(stack_run, INGRESS_RULE, own)
    assert ingress.inputs["referencedSecurityGroupId"] == edge_group
    assert (ingress.inputs["fromPort"], ingress.inputs["toPort"]) == (port, port)

    egress = {rule.name: rule.inputs for rule in rules_of(stack_run, EGRESS_RULE, own)}
    to_database = [
        rule for rule in egress.values() if rule.get("referencedSecurityGroupId") == database_group
    ]
    assert len(to_database) == 1 and to_database[0]["fromPort"] == POSTGRES_PORT
    database_ingress = rules_of(stack_run, INGRESS_RULE, database_group)
    assert [rule.inputs["referencedSecurityGroupId"] for rule in database_ingress] == [own]
    for rule in [ingress.inputs, *egress.values()]:
        assert rule["description"] and rule["ipProtocol"] == "tcp"


def test_no_rule_names_an_address_range_inside_the_vpc(stack_run: ProgramRun) -> None:
    vpc = ipaddress.ip_network(one(stack_run, VPC).inputs["cidrBlock"])
    for type_token in (INGRESS_RULE, EGRESS_RULE):
        for rule in stack_run.of_type(type_token):
            cidr = rule.inputs.get("cidrIpv4")
            if cidr is not None:
                assert not ipaddress.ip_network(cidr).overlaps(vpc) or cidr == "0.0.0.0/0", rule.name


def test_stack_exports_the_entry_point_and_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    exported: dict[str, Any] = {}
    monkeypatch.setattr(pulumi, "export", lambda name, value: exported.setdefault(name, value))
    run = run_program(REPO, "initech")
    assert {"load_balancer_dns_name", "service_name"} <= set(exported)
    assert one_child(run, component(run), ECS_SERVICE).inputs["name"] == "initech-app"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (
            "111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/app:2.3.1",
            "arn:aws:ecr:eu-west-1:111122223333:repository/acme/app",
        ),
        (
            "444455556666.dkr.ecr.eu-central-1.amazonaws.com/globex/portal@sha256:" + "ab" * 32,
            "arn:aws:ecr:eu-central-1:444455556666:repository/globex/portal",
        ),
        ("ghcr.io/initech/tps-reports:1.0.7", None),
    ],
)
def test_the_image_names_its_ecr_repository(image: str, expected: str | None) -> None:
    assert ecr_repository_arn(image, "aws") == expected


def test_default_health_check_quotes_the_url_for_the_shell() -> None:
    command = default_health_check_command(8080, "/health?probe=1&deep=$x")
    assert command[0] == "CMD-SHELL"
    assert "'http://127.0.0.1:8080/health?probe=1&deep=$x'" in command[1]


def test_a_configured_health_check_command_replaces_the_default() -> None:
    config = ServiceConfig.model_validate(
        {"image": "ghcr.io/initech/tps-reports:1.0.7", "healthCheckCommand": ["CMD", "/app/probe"]}
    )
    context = ClientContext(client="initech", account_id="777788889999", region="eu-north-1", partition="aws")
    (app,) = container_definitions(context, config, None, "/toms/initech/service")
    assert app["healthCheck"]["command"] == ["CMD", "/app/probe"]
    assert app["secrets"] == [] and app["environment"] == []


def test_replicas_of_one_gets_a_clear_error_naming_the_key() -> None:
    assert config_error({"toms:service": {"replicas": 1}}) == (
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration; nothing was created:\n"
        "  - toms:service.replicas: got 1; expected at least 2"
    )


def test_a_maximum_below_the_replicas_gets_a_clear_error_naming_the_key() -> None:
    assert config_error({"toms:service": {"replicas": 3, "maxReplicas": 2}}) == (
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration; nothing was created:\n"
        "  - toms:service.maxReplicas: got 2; expected maxReplicas >= replicas (3), so scaling can never "
        "drop below the replica requirement"
    )


def test_a_root_user_gets_a_clear_error_naming_the_key() -> None:
    assert config_error({"toms:service": {"user": "0:0"}}).endswith(
        '  - toms:service.user: got "0:0"; expected a numeric non-root UID or UID:GID such as 1000:1000 '
        "(not 0, not a name)"
    )


def test_a_health_check_command_without_cmd_gets_a_clear_error_naming_the_key() -> None:
    assert config_error({"toms:service": {"healthCheckCommand": ["curl", "localhost"]}}).endswith(
        '  - toms:service.healthCheckCommand: got a structure; expected a command list starting with "CMD" '
        'or "CMD-SHELL", e.g. ["CMD", "/app/probe"]'
    )
