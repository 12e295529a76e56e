"""The client's VPC: public subnets for the load balancer only, private subnets for tasks and the database.

Egress from the private subnets goes through one NAT gateway per availability zone. A single shared NAT
gateway would save about 32 USD a month per extra zone but makes one zone's outage cut every task's
egress; interface endpoints alone cannot serve images from registries outside AWS (a client may use
any registry) and would cost about 7 USD a month per service and zone. S3 traffic (image layers from
ECR, the log archive) takes the free S3 gateway endpoint instead of the NAT gateways.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config import NetworkConfig
from components.context import ClientContext
from components.iam import allow, from_this_account, service_role
from components.log_group import LogPolicy, client_log_group_name, retained_log_group

# Each subnet is a sixteenth of the VPC: public subnets take the first slots, private ones start halfway.
SUBNET_PREFIX_STEP = 4
PRIVATE_SUBNET_OFFSET = 8


def subnet_cidrs(vpc_cidr: str, az_count: int) -> tuple[list[str], list[str]]:
    """The (public, private) subnet CIDR blocks, one of each per availability zone."""
    blocks = list(ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=SUBNET_PREFIX_STEP))
    public = [str(blocks[index]) for index in range(az_count)]
    private = [str(blocks[PRIVATE_SUBNET_OFFSET + index]) for index in range(az_count)]
    return public, private


FLOW_LOGS_ROLE = "flow-logs"


@dataclass(frozen=True)
class NetworkArgs:
    network: NetworkConfig
    # One available zone per `azCount`, looked up before anything is created (see __main__.py).
    zones: Sequence[str]
    log_policy: LogPolicy


class Network(pulumi.ComponentResource):
    """VPC over `azCount` zones with flow logs kept for the client's retention."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    flow_log_group_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        context: ClientContext,
        args: NetworkArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("toms:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.network.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": f"toms-{context.client}"},
            opts=child,
        )
        # The default security group admits traffic between its members; taking over it with no rules
        # means nothing can fall back to it.
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[], opts=child)

        internet_gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, opts=child)
        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=internet_gateway.id)],
            opts=child,
        )

        public_cidrs, private_cidrs = subnet_cidrs(args.network.cidr, args.network.az_count)
        self.public_subnet_ids = []
        self.private_subnet_ids = []
        private_route_table_ids: list[pulumi.Output[str]] = []
        for index, (public_cidr, private_cidr) in enumerate(zip(public_cidrs, private_cidrs, strict=True)):
            public_subnet = aws.ec2.Subnet(
                f"{name}-public-{index}",
                vpc_id=vpc.id,
                cidr_block=public_cidr,
                availability_zone=args.zones[index],
                map_public_ip_on_launch=False,
                tags={"Name": f"toms-{context.client}-public-{index}", "tier": "public"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}",
                subnet_id=public_subnet.id,
                route_table_id=public_routes.id,
                opts=child,
            )
            nat_address = aws.ec2.Eip(f"{name}-nat-{index}", domain="vpc", opts=child)
            # A public NAT gateway created before its VPC has an internet gateway fails
            # (Gateway.NotAttached); nothing in its inputs says so, hence the explicit dependency.
            nat_gateway = aws.ec2.NatGateway(
                f"{name}-nat-{index}",
                allocation_id=nat_address.allocation_id,
                subnet_id=public_subnet.id,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[internet_gateway]),
            )
            private_subnet = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                cidr_block=private_cidr,
                availability_zone=args.zones[index],
                map_public_ip_on_launch=False,
                tags={"Name": f"toms-{context.client}-private-{index}", "tier": "private"},
                opts=child,
            )
            private_routes = aws.ec2.RouteTable(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat_gateway.id)],
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}",
                subnet_id=private_subnet.id,
                route_table_id=private_routes.id,
                opts=child,
            )
            # An internet-facing load balancer is refused in a VPC without an internet gateway: whoever
            # takes the public subnets waits for it.
            self.public_subnet_ids.append(
                pulumi.Output.all(public_subnet.id, internet_gateway.id).apply(lambda ids: ids[0])
            )
            self.private_subnet_ids.append(private_subnet.id)
            private_route_table_ids.append(private_routes.id)

        aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{context.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=private_route_table_ids,
            opts=child,
        )

        flow_log_group_name = client_log_group_name(context.client, "vpc-flow-logs")
        flow_logs = retained_log_group(f"{name}-flow-logs", flow_log_group_name, args.log_policy, parent=self)
        flow_log_group_arn = context.log_group_arn(flow_log_group_name)
        flow_log_role = service_role(
            f"{name}-flow-logs",
            context,
            purpose=FLOW_LOGS_ROLE,
            description="VPC flow logs write to their log group",
            service="vpc-flow-logs.amazonaws.com",
            trust_condition=from_this_account(context, context.arn("ec2", "vpc-flow-log/*")),
            statements=[
                allow(
                    "WriteTheFlowLogGroupOnly",
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [flow_log_group_arn, f"{flow_log_group_arn}:*"],
                )
            ],
            parent=self,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=flow_logs.arn,
            iam_role_arn=flow_log_role.arn,
            max_aggregation_interval=60,
            opts=child,
        )

        self.vpc_id = vpc.id
        self.flow_log_group_name = flow_logs.name
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
                "flow_log_group_name": self.flow_log_group_name,
            }
        )
