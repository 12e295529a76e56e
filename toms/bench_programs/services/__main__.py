"""N load-balanced ECS services (config `bench-services:services`, default 1), six resources each, for
`make bench`: it shows how `toms preview` grows with the number of resources. Run it yourself with
`python -m toms preview --program toms/bench_programs/services --config services=10`.
"""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
services = config.get_int("services") or 1
key_arn = "arn:aws:kms:eu-west-1:111122223333:key/0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01"
tags = {"client": "bench", "managed-by": "pulumi", "toms-version": "0.1.0"}
vpc_id = "vpc-0123456789abcdef0"
subnets = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]

cluster = aws.ecs.Cluster(
    "bench", settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")], tags=tags
)
for index in range(services):
    name = f"svc-{index}"
    logs = aws.cloudwatch.LogGroup(name, retention_in_days=90, kms_key_id=key_arn, tags=tags)
    group = aws.ec2.SecurityGroup(name, description=f"tasks of {name}", vpc_id=vpc_id, tags=tags)
    aws.vpc.SecurityGroupEgressRule(
        name, security_group_id=group.id, description="HTTPS out", ip_protocol="tcp",
        from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0", tags=tags,
    )  # fmt: skip
    target = aws.lb.TargetGroup(
        name, port=8080, protocol="HTTP", target_type="ip", vpc_id=vpc_id, tags=tags,
        health_check=aws.lb.TargetGroupHealthCheckArgs(enabled=True, path="/healthz", protocol="HTTP"),
    )  # fmt: skip
    container = {
        "name": "app",
        "image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/bench/app:1.0.0",
        "essential": True,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "portMappings": [{"containerPort": 8080}],
        "healthCheck": {"command": ["CMD-SHELL", "wget -qO- localhost:8080/healthz"]},
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": name}},
    }
    task = aws.ecs.TaskDefinition(
        name, family=name, cpu="256", memory="512", network_mode="awsvpc",
        requires_compatibilities=["FARGATE"], container_definitions=json.dumps([container]), tags=tags,
    )  # fmt: skip
    aws.ecs.Service(
        name,
        cluster=cluster.arn,
        task_definition=task.arn,
        desired_count=2,
        launch_type="FARGATE",
        deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
        deployment_minimum_healthy_percent=100,
        health_check_grace_period_seconds=60,
        network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=subnets, security_groups=[group.id], assign_public_ip=False
        ),
        load_balancers=[
            aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=target.arn, container_name="app", container_port=8080
            )
        ],
        tags=tags,
    )
