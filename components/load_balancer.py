"""The client's only entry point from the internet: an Application Load Balancer that speaks TLS 1.2/1.3 only.

HTTPS:443 terminates TLS with the stack's ACM certificate under an explicit security policy (the API's
default, `ELBSecurityPolicy-2016-08`, still accepts TLS 1.0, so the policy is never left unset). The
default is `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`, AWS's recommended successor of
`ELBSecurityPolicy-TLS13-1-2-Res-2021-06`: it negotiates the same protocols (TLS 1.2 and 1.3) with the same
restricted AEAD cipher suites, and adds hybrid post-quantum key exchange (ML-KEM combined with X25519 or
the NIST curves) for clients that offer it. Clients without ML-KEM fall back to classical ECDHE, so no
client that could connect before is turned away, while traffic recorded today by an adversary cannot be
decrypted later with a quantum computer ("harvest now, decrypt later"). A client may choose another
policy only from the TLS 1.2/1.3 set (`standards.is_allowed_tls_policy`).

HTTP:80 exists only to answer 301 with the HTTPS URL; every HTTPS response carries HSTS
(`standards.HSTS_HEADER_VALUE`), so browsers stop trying plain HTTP at all.

Out of rotation within 30 seconds: each load-balancer node checks each target every
`HEALTH_CHECK_INTERVAL_SECONDS` (10 s, counted from the start of one check to the start of the next) and
gives a check `HEALTH_CHECK_TIMEOUT_SECONDS` (5 s) to answer; `UNHEALTHY_THRESHOLD` (2) consecutive failures
mark the target unhealthy and the node stops sending it requests. In the worst case the container fails
just after a check passed: the next check starts at most one interval later, and the second failure is
certain at most one more interval plus a timeout after that, so the bound is
2 x 10 s + 5 s = 25 s (`OUT_OF_ROTATION_BOUND_SECONDS`, from `standards.out_of_rotation_bound_seconds`, which
the pack's `lb-target-health-check-bound` also uses), within `standards.MAX_SECONDS_TO_OUT_OF_ROTATION`.
A hung container uses the full timeout; one that refuses connections is caught a few seconds sooner.
Requests already in flight to a deregistered target may finish within `DEREGISTRATION_DELAY_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alarms import AlertTopic, metric_alarm
from components.context import ClientContext
from policies.toms_pack import standards

HTTPS_PORT = 443
HTTP_PORT = 80
HEALTH_CHECK_INTERVAL_SECONDS = 10
HEALTH_CHECK_TIMEOUT_SECONDS = 5
UNHEALTHY_THRESHOLD = 2
HEALTHY_THRESHOLD = 2
HEALTH_CHECK_SUCCESS_CODES = "200-299"
# In-flight requests get this long to finish when ECS replaces a task; 300 s (the AWS default) would hold
# every deployment and every replacement of a failed task for five minutes.
DEREGISTRATION_DELAY_SECONDS = 30

# The load balancer is IPv4-only (the VPC has no IPv6 ranges), so IPv4 is the whole internet it can see.
INTERNET_IPV4 = "0.0.0.0/0"

# Server errors above this share of requests over `FIVE_XX_DATAPOINTS` of the last
# `FIVE_XX_EVALUATION_MINUTES` minutes raise the alarm; a single failed request among a few does not.
FIVE_XX_RATE_PERCENT = 5
FIVE_XX_DATAPOINTS = 3
FIVE_XX_EVALUATION_MINUTES = 5


OUT_OF_ROTATION_BOUND_SECONDS = standards.out_of_rotation_bound_seconds(
    HEALTH_CHECK_INTERVAL_SECONDS, HEALTH_CHECK_TIMEOUT_SECONDS, UNHEALTHY_THRESHOLD
)


@dataclass(frozen=True)
class TlsLoadBalancerArgs:
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    certificate_arn: pulumi.Input[str]
    container_port: int
    health_check_path: str
    # An S3 bucket with SSE-S3 (ALB access logs cannot be written with SSE-KMS) whose policy lets the
    # regional Elastic Load Balancing log delivery write under `AWSLogs/<account>/`.
    access_logs_bucket: pulumi.Input[str]
    # What must exist before the load balancer is created: AWS checks at creation that it may write to the
    # bucket, so the bucket's policy comes first (a component here stands for all of its children).
    alerts: AlertTopic
    access_logs_ready: Sequence[pulumi.Resource] = ()
    tls_policy: str = standards.DEFAULT_TLS_POLICY

    def __post_init__(self) -> None:
        if not standards.is_allowed_tls_policy(self.tls_policy):
            raise ValueError(
                f"TLS policy {self.tls_policy!r} is not a TLS 1.2/1.3-only ALB policy "
                "(ELBSecurityPolicy-TLS13-1-2-* or ELBSecurityPolicy-TLS13-1-3-*)"
            )


class TlsLoadBalancer(pulumi.ComponentResource):
    """Internet-facing ALB: HTTPS with an allowed TLS policy and HSTS, HTTP only redirecting to HTTPS."""

    security_group_id: pulumi.Output[str]
    arn: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    https_listener_arn: pulumi.Output[str]
    http_listener_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: TlsLoadBalancerArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:edge:TlsLoadBalancer", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)

        security_group = aws.ec2.SecurityGroup(
            f"{name}-alb",
            vpc_id=args.vpc_id,
            description=(
                f"toms {context.client}: load balancer, HTTPS and the HTTP redirect from the internet"
            ),
            opts=child,
        )
        for port, purpose in ((HTTPS_PORT, "HTTPS"), (HTTP_PORT, "HTTP, redirected to HTTPS")):
            # The name keeps its -ipv4 suffix so stacks built with IPv6 rules keep their IPv4 rules.
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-alb-{port}-ipv4",
                security_group_id=security_group.id,
                ip_protocol="tcp",
                from_port=port,
                to_port=port,
                cidr_ipv4=INTERNET_IPV4,
                description=f"{purpose} from the internet",
                opts=child,
            )

        load_balancer = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            subnets=list(args.public_subnet_ids),
            security_groups=[security_group.id],
            drop_invalid_header_fields=True,
            desync_mitigation_mode=standards.LB_DESYNC_MITIGATION_MODE,
            enable_deletion_protection=True,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=args.access_logs_bucket, enabled=True),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.access_logs_ready)),
        )

        target_group = aws.lb.TargetGroup(
            f"{name}-app",
            target_type="ip",
            protocol="HTTP",
            port=args.container_port,
            vpc_id=args.vpc_id,
            deregistration_delay=DEREGISTRATION_DELAY_SECONDS,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol="HTTP",
                port="traffic-port",
                path=args.health_check_path,
                matcher=HEALTH_CHECK_SUCCESS_CODES,
                interval=HEALTH_CHECK_INTERVAL_SECONDS,
                timeout=HEALTH_CHECK_TIMEOUT_SECONDS,
                unhealthy_threshold=UNHEALTHY_THRESHOLD,
                healthy_threshold=HEALTHY_THRESHOLD,
            ),
            opts=child,
        )

        https_listener = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=load_balancer.arn,
            port=HTTPS_PORT,
            protocol="HTTPS",
            certificate_arn=args.certificate_arn,
            ssl_policy=args.tls_policy,
            routing_http_response_strict_transport_security_header_value=standards.HSTS_HEADER_VALUE,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn=target_group.arn)
            ],
            opts=child,
        )
        http_listener = aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=load_balancer.arn,
            port=HTTP_PORT,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port=str(HTTPS_PORT), status_code="HTTP_301"
                    ),
                )
            ],
            opts=child,
        )

        self._alarms(name, context, args.alerts, load_balancer, target_group)

        self.security_group_id = security_group.id
        self.arn = load_balancer.arn
        self.dns_name = load_balancer.dns_name
        # ECS can only attach a service to a target group that a listener already uses: resolving after
        # the HTTPS listener makes the service wait for it.
        self.target_group_arn = pulumi.Output.all(target_group.arn, https_listener.arn).apply(
            lambda arns: arns[0]
        )
        self.https_listener_arn = https_listener.arn
        self.http_listener_arn = http_listener.arn
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "arn": self.arn,
                "dns_name": self.dns_name,
                "target_group_arn": self.target_group_arn,
                "https_listener_arn": self.https_listener_arn,
                "http_listener_arn": self.http_listener_arn,
            }
        )

    def _alarms(
        self,
        name: str,
        context: ClientContext,
        alerts: AlertTopic,
        load_balancer: aws.lb.LoadBalancer,
        target_group: aws.lb.TargetGroup,
    ) -> None:
        """Alarms on targets out of rotation and on the share of requests answered with a server error."""
        dimensions = {"LoadBalancer": load_balancer.arn_suffix, "TargetGroup": target_group.arn_suffix}
        metric_alarm(
            f"{name}-unhealthy-hosts",
            context,
            alerts,
            purpose=standards.ALARM_UNHEALTHY_TARGETS,
            description="a target of the load balancer failed its health checks",
            parent=self,
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions=dimensions,
            statistic="Maximum",
            period=60,
            evaluation_periods=2,
            threshold=0,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
        )

        def count(
            metric_name: str, metric_dimensions: dict[str, pulumi.Output[str]]
        ) -> aws.cloudwatch.MetricAlarmMetricQueryMetricArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                metric_name=metric_name,
                namespace="AWS/ApplicationELB",
                dimensions=metric_dimensions,
                period=60,
                stat="Sum",
            )

        query = aws.cloudwatch.MetricAlarmMetricQueryArgs
        balancer_only = {"LoadBalancer": load_balancer.arn_suffix}
        metric_alarm(
            f"{name}-5xx-rate",
            context,
            alerts,
            purpose=standards.ALARM_SERVER_ERROR_RATE,
            description=f"more than {FIVE_XX_RATE_PERCENT} % of requests were answered with a 5xx",
            parent=self,
            metric_queries=[
                query(id="targets", metric=count("HTTPCode_Target_5XX_Count", dimensions)),
                query(id="balancer", metric=count("HTTPCode_ELB_5XX_Count", balancer_only)),
                query(id="requests", metric=count("RequestCount", balancer_only)),
                query(
                    id="rate",
                    label="5xx responses, % of requests",
                    return_data=True,
                    expression=(
                        "100 * (FILL(targets, 0) + FILL(balancer, 0))"
                        " / IF(FILL(requests, 0) > 0, requests, 1)"
                    ),
                ),
            ],
            evaluation_periods=FIVE_XX_EVALUATION_MINUTES,
            datapoints_to_alarm=FIVE_XX_DATAPOINTS,
            threshold=FIVE_XX_RATE_PERCENT,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
        )

    def allow_egress_to(
        self, name: str, security_group_id: pulumi.Input[str], port: int
    ) -> aws.vpc.SecurityGroupEgressRule:
        """Let the load balancer reach `port` on members of `security_group_id`, and nothing else."""
        return aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-alb-to-{name}",
            security_group_id=self.security_group_id,
            referenced_security_group_id=security_group_id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            description=f"requests and health checks to {name} on port {port}",
            opts=pulumi.ResourceOptions(parent=self),
        )
