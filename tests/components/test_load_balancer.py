"""The TLS-only load balancer, as the real program registers it for every example stack."""

from __future__ import annotations

from typing import cast

import pytest

from components.alarms import AlertTopic
from components.load_balancer import (
    HEALTH_CHECK_INTERVAL_SECONDS,
    HEALTH_CHECK_TIMEOUT_SECONDS,
    OUT_OF_ROTATION_BOUND_SECONDS,
    UNHEALTHY_THRESHOLD,
    TlsLoadBalancerArgs,
)
from policies.toms_pack import standards
from tests.components.edge_service_stack import (
    LOAD_BALANCER_COMPONENT,
    SERVICE_COMPONENT,
    config_error,
    rules_of,
    stack_service,
    subnet_ids,
)
from tests.components.program_reading import (
    EGRESS_RULE,
    INGRESS_RULE,
    METRIC_ALARM,
    SECURITY_GROUP,
    children,
    one,
    one_child,
    stack_file,
)
from toms.offline.mock_runtime import ProgramRun, RegisteredResource

LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ACCESS_LOG_BUCKET_SUFFIX = "-access-logs-"


def component(run: ProgramRun) -> RegisteredResource:
    return one(run, LOAD_BALANCER_COMPONENT)


def alb_security_group_id(run: ProgramRun) -> str:
    group_id: str = one_child(run, component(run), SECURITY_GROUP).outputs["id"]
    return group_id


def test_every_resource_of_the_edge_is_a_child_of_the_component(stack_run: ProgramRun) -> None:
    edge = component(stack_run)
    for type_token in (LOAD_BALANCER, LISTENER, TARGET_GROUP):
        assert all(resource.parent == edge.urn for resource in stack_run.of_type(type_token)), type_token
    group_id = alb_security_group_id(stack_run)
    for type_token in (INGRESS_RULE, EGRESS_RULE):
        for rule in rules_of(stack_run, type_token, group_id):
            assert rule.parent == edge.urn, rule.name
    assert {resource.type for resource in stack_run.children_of(edge.urn)} == {
        LOAD_BALANCER,
        LISTENER,
        TARGET_GROUP,
        SECURITY_GROUP,
        INGRESS_RULE,
        EGRESS_RULE,
        METRIC_ALARM,
    }


def test_internet_facing_hardened_alb_in_the_public_subnets(stack_run: ProgramRun) -> None:
    alb = one_child(stack_run, component(stack_run), LOAD_BALANCER).inputs
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is False
    assert sorted(alb["subnets"]) == sorted(subnet_ids(stack_run, "public"))
    assert alb["securityGroups"] == [alb_security_group_id(stack_run)]
    assert alb["dropInvalidHeaderFields"] is True
    assert alb["desyncMitigationMode"] == "strictest"
    assert alb["enableDeletionProtection"] is True


def test_access_logs_go_to_the_sse_s3_access_log_bucket(stack_run: ProgramRun) -> None:
    alb = one_child(stack_run, component(stack_run), LOAD_BALANCER)
    logs = alb.inputs["accessLogs"]
    assert logs["enabled"] is True
    (bucket,) = [
        bucket
        for bucket in stack_run.of_type("aws:s3/bucket:Bucket")
        if ACCESS_LOG_BUCKET_SUFFIX in bucket.outputs["bucket"]
    ]
    assert logs["bucket"] == bucket.outputs["bucket"]
    # The bucket's policy must exist before AWS checks, at creation, that the ALB may write there.
    (policy,) = [
        policy
        for policy in stack_run.of_type("aws:s3/bucketPolicy:BucketPolicy")
        if policy.inputs["bucket"] == bucket.outputs["id"]
    ]
    assert policy.urn in alb.dependencies


def test_listeners_are_exactly_https_with_the_stacks_policy_and_an_http_redirect(
    stack_run: ProgramRun,
) -> None:
    listeners = children(stack_run, component(stack_run), LISTENER)
    assert len(stack_run.of_type(LISTENER)) == len(listeners) == 2
    by_protocol = {listener.inputs["protocol"]: listener.inputs for listener in listeners}
    assert set(by_protocol) == {"HTTPS", "HTTP"}

    https = by_protocol["HTTPS"]
    expected_policy = (
        stack_file(stack_run.stack)
        .get("toms:loadBalancer", {})
        .get("tlsPolicy", standards.DEFAULT_TLS_POLICY)
    )
    assert https["port"] == 443
    assert https["sslPolicy"] == expected_policy
    assert standards.is_allowed_tls_policy(https["sslPolicy"])
    assert https["sslPolicy"] in standards.ALLOWED_TLS_POLICIES
    assert https["certificateArn"] == stack_file(stack_run.stack)["toms:certificateArn"]
    assert https["routingHttpResponseStrictTransportSecurityHeaderValue"] == standards.HSTS_HEADER_VALUE
    target_group = one_child(stack_run, component(stack_run), TARGET_GROUP)
    assert https["defaultActions"] == [{"type": "forward", "targetGroupArn": target_group.outputs["arn"]}]

    http = by_protocol["HTTP"]
    assert http["port"] == 80
    assert http["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}
    ]


def test_tls_policy_is_known_at_preview_so_the_pack_can_judge_it(preview_run: ProgramRun) -> None:
    https = next(
        listener.inputs
        for listener in preview_run.of_type(LISTENER)
        if listener.inputs["protocol"] == "HTTPS"
    )
    assert standards.is_allowed_tls_policy(https["sslPolicy"])


def test_target_group_checks_the_services_path_and_drops_a_failed_container_within_30_seconds(
    stack_run: ProgramRun,
) -> None:
    target_group = one_child(stack_run, component(stack_run), TARGET_GROUP).inputs
    service = stack_service(stack_run)
    assert target_group["targetType"] == "ip"
    assert target_group["protocol"] == "HTTP"
    assert target_group["port"] == service.get("containerPort", 8080)
    assert 0 < target_group["deregistrationDelay"] <= 60
    check = target_group["healthCheck"]
    assert check["enabled"] is True
    assert check["path"] == service.get("healthCheckPath", "/health")
    assert check["timeout"] < check["interval"]
    bound = standards.out_of_rotation_bound_seconds(
        int(check["interval"]), int(check["timeout"]), int(check["unhealthyThreshold"])
    )
    assert bound <= standards.MAX_SECONDS_TO_OUT_OF_ROTATION


def test_the_documented_bound_is_25_seconds() -> None:
    assert (HEALTH_CHECK_INTERVAL_SECONDS, HEALTH_CHECK_TIMEOUT_SECONDS, UNHEALTHY_THRESHOLD) == (10, 5, 2)
    assert OUT_OF_ROTATION_BOUND_SECONDS == 2 * 10 + 5 == 25
    # One more failed check would break the promise.
    one_more_failure = standards.out_of_rotation_bound_seconds(
        HEALTH_CHECK_INTERVAL_SECONDS, HEALTH_CHECK_TIMEOUT_SECONDS, UNHEALTHY_THRESHOLD + 1
    )
    assert one_more_failure > standards.MAX_SECONDS_TO_OUT_OF_ROTATION


def test_only_https_and_http_from_the_internet_with_descriptions(stack_run: ProgramRun) -> None:
    ingress = rules_of(stack_run, INGRESS_RULE, alb_security_group_id(stack_run))
    opened = {
        (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["cidrIpv4"], rule.inputs.get("cidrIpv6"))
        for rule in ingress
    }
    # IPv4 only: the load balancer has no IPv6 address, so a ::/0 rule would never match anything.
    assert opened == {(port, port, "0.0.0.0/0", None) for port in (443, 80)}
    assert len(ingress) == 2
    assert all(rule.inputs["ipProtocol"] == "tcp" and rule.inputs["description"] for rule in ingress)
    group = one_child(stack_run, component(stack_run), SECURITY_GROUP).inputs
    assert "ingress" not in group and "egress" not in group


def test_egress_only_to_the_services_port_on_the_services_group(stack_run: ProgramRun) -> None:
    (egress,) = rules_of(stack_run, EGRESS_RULE, alb_security_group_id(stack_run))
    service_group = one_child(stack_run, one(stack_run, SERVICE_COMPONENT), SECURITY_GROUP)
    port = stack_service(stack_run).get("containerPort", 8080)
    assert egress.inputs["referencedSecurityGroupId"] == service_group.outputs["id"]
    assert (egress.inputs["fromPort"], egress.inputs["toPort"], egress.inputs["ipProtocol"]) == (
        port,
        port,
        "tcp",
    )
    assert "cidrIpv4" not in egress.inputs and "cidrIpv6" not in egress.inputs
    assert egress.inputs["description"]


@pytest.mark.parametrize(
    "policy",
    [
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-2016-08",
    ],
)
def test_the_component_itself_refuses_a_policy_that_accepts_old_tls(policy: str) -> None:
    with pytest.raises(ValueError, match=r"not a TLS 1\.2/1\.3-only ALB policy"):
        TlsLoadBalancerArgs(
            vpc_id="vpc-1",
            public_subnet_ids=["subnet-1", "subnet-2"],
            certificate_arn="arn:aws:acm:eu-west-1:111122223333:certificate/x",
            container_port=8080,
            health_check_path="/health",
            access_logs_bucket="logs",
            # Refused before anything is registered: the topic is never used.
            alerts=cast(AlertTopic, None),
            tls_policy=policy,
        )


def test_a_refused_tls_policy_gets_a_clear_error_naming_the_key() -> None:
    message = config_error({"toms:loadBalancer": {"tlsPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}})
    assert message == (
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration; nothing was created:\n"
        '  - toms:loadBalancer.tlsPolicy: got "ELBSecurityPolicy-TLS13-1-1-2021-06"; expected an ALB security '
        "policy that allows only TLS 1.2 and 1.3: ELBSecurityPolicy-TLS13-1-2-* or ELBSecurityPolicy-TLS13-1-3-* "
        "(TLS13-1-0-* and TLS13-1-1-* still accept TLS 1.0/1.1)"
    )


def test_a_malformed_certificate_arn_gets_a_clear_error_naming_the_key() -> None:
    message = config_error({"toms:certificateArn": "arn:aws:acm:eu-west-1:1111:certificate/not-a-uuid"})
    assert message == (
        "stacks/Pulumi.acme.yaml: 1 problem in the stack configuration; nothing was created:\n"
        '  - toms:certificateArn: got "arn:aws:acm:eu-west-1:1111:certificate/not-a-uuid"; expected an ACM '
        "certificate ARN: arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>"
    )
