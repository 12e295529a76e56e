"""ECS: the client's services, their replicas, circuit breaker and deployments."""

from __future__ import annotations

from typing import Any

from policies.toms_pack import standards
from toms.live.checks import AuditContext, Resource, Verdict, batches, check, discovers
from toms.live.session import tags_to_dict

SERVICE = "ecs"
ECS_SERVICE = "ECS service"

# The most services DescribeServices takes at once.
_DESCRIBE_BATCH = 10


@discovers(SERVICE, ECS_SERVICE, scope=lambda context: context.session.arn("ecs", "service/*"))
def client_services(context: AuditContext) -> list[Resource]:
    ecs = context.client_for("ecs")
    found: list[Resource] = []
    for cluster_page in ecs.get_paginator("list_clusters").paginate():
        for cluster in cluster_page["clusterArns"]:
            for service_page in ecs.get_paginator("list_services").paginate(cluster=cluster):
                for batch in batches(service_page["serviceArns"], _DESCRIBE_BATCH):
                    described = ecs.describe_services(cluster=cluster, services=batch, include=["TAGS"])
                    found.extend(
                        Resource(service["serviceArn"], service)
                        for service in described["services"]
                        if context.is_client_resource(tags_to_dict(service.get("tags"), "key", "value"))
                    )
    return found


@check(
    "ecs-replicas",
    service=SERVICE,
    kind=ECS_SERVICE,
    title="at least the stack file's replicas desired, and all of them running",
)
def replicas(context: AuditContext, resource: Resource) -> Verdict:
    # Autoscaling may run more than `replicas` copies, never fewer: the desired count is a floor.
    config = context.expected
    wanted = config.service.replicas if config is not None else standards.MIN_REPLICAS
    desired = int(resource.data.get("desiredCount", 0))
    running = int(resource.data.get("runningCount", 0))
    observed = {
        "desired_count": {"expected_at_least": wanted, "actual": desired},
        "running_count": {"expected": desired, "actual": running},
    }
    if desired < wanted:
        return Verdict(
            False, observed, f"desired count {desired} is below {wanted} replicas (service.replicas)"
        )
    if running != desired:
        return Verdict(False, observed, f"{running} of {desired} tasks running")
    return Verdict(True, observed, f"{running} of {desired} tasks running, at least {wanted} replicas")


@check(
    "ecs-circuit-breaker",
    service=SERVICE,
    kind=ECS_SERVICE,
    title="a failing deployment is stopped and rolled back",
)
def circuit_breaker(context: AuditContext, resource: Resource) -> Verdict:
    breaker = resource.data.get("deploymentConfiguration", {}).get("deploymentCircuitBreaker", {})
    enabled, rollback = bool(breaker.get("enable")), bool(breaker.get("rollback"))
    observed = {"circuit_breaker": enabled, "rollback": rollback}
    if enabled and rollback:
        return Verdict(True, observed, "a failing deployment is stopped and rolled back")
    return Verdict(False, observed, "deployment circuit breaker with rollback is not on")


@check("ecs-deployment-healthy", service=SERVICE, kind=ECS_SERVICE, title="no failed deployment")
def deployment_healthy(context: AuditContext, resource: Resource) -> Verdict:
    deployments: list[dict[str, Any]] = [
        {
            "id": deployment.get("id"),
            "status": deployment.get("status"),
            "rollout_state": deployment.get("rolloutState"),
            "failed_tasks": deployment.get("failedTasks", 0),
        }
        for deployment in resource.data.get("deployments", [])
    ]
    failed = [deployment["id"] for deployment in deployments if deployment["rollout_state"] == "FAILED"]
    observed = {"deployments": deployments}
    if failed:
        return Verdict(
            False, observed, "failed deployment: " + ", ".join(str(deployment) for deployment in failed)
        )
    return Verdict(True, observed, "no failed deployment")
