"""The network, as the real program registers it for every example stack."""

from __future__ import annotations

import ipaddress
import json

from policies.toms_pack import standards
from tests.components.program_reading import client_config, one, stack_file
from tests.conftest import REPO, run_example_stack
from toms.offline.mock_runtime import ProgramRun, run_program
from toms.project import flatten_stack_config


def test_subnets_span_the_configured_zones_public_only_for_the_load_balancer(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    network = one(stack_run, "toms:network:Network")
    subnets = stack_run.of_type("aws:ec2/subnet:Subnet")
    assert len(subnets) == 2 * config.network.az_count
    zones = {subnet.inputs["availabilityZone"] for subnet in subnets}
    assert len(zones) == config.network.az_count
    vpc_range = ipaddress.ip_network(config.network.cidr)
    for subnet in subnets:
        assert subnet.parent == network.urn
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
        assert ipaddress.ip_network(subnet.inputs["cidrBlock"]).subnet_of(vpc_range)  # type: ignore[arg-type]
    cidrs = [ipaddress.ip_network(subnet.inputs["cidrBlock"]) for subnet in subnets]
    assert all(not a.overlaps(b) for index, a in enumerate(cidrs) for b in cidrs[index + 1 :])


def test_private_subnets_leave_through_a_nat_gateway_in_their_own_zone(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    outputs = {
        resource.outputs["id"]: resource for resource in stack_run.resources if "id" in resource.outputs
    }
    nat_gateways = stack_run.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nat_gateways) == config.network.az_count
    private_tables = [
        table for table in stack_run.of_type("aws:ec2/routeTable:RouteTable") if "private" in table.name
    ]
    associations = stack_run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    for table in private_tables:
        (route,) = table.inputs["routes"]
        nat = outputs[route["natGatewayId"]]
        nat_zone = outputs[nat.inputs["subnetId"]].inputs["availabilityZone"]
        table_subnets = [
            outputs[association.inputs["subnetId"]]
            for association in associations
            if association.inputs["routeTableId"] == table.outputs["id"]
        ]
        assert [subnet.inputs["availabilityZone"] for subnet in table_subnets] == [nat_zone]
        assert table_subnets[0].inputs["tags"]["tier"] == "private"


def test_only_public_subnets_route_to_the_internet_gateway(stack_run: ProgramRun) -> None:
    (public_table,) = [
        table for table in stack_run.of_type("aws:ec2/routeTable:RouteTable") if "public" in table.name
    ]
    assert [route.get("gatewayId") for route in public_table.inputs["routes"]] == [
        one(stack_run, "aws:ec2/internetGateway:InternetGateway").outputs["id"]
    ]
    public_subnet_ids = {
        association.inputs["subnetId"]
        for association in stack_run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
        if association.inputs["routeTableId"] == public_table.outputs["id"]
    }
    tiers = {
        subnet.inputs["tags"]["tier"]
        for subnet in stack_run.of_type("aws:ec2/subnet:Subnet")
        if subnet.outputs["id"] in public_subnet_ids
    }
    assert tiers == {"public"}


def test_nat_gateways_and_the_load_balancer_wait_for_the_internet_gateway(stack_run: ProgramRun) -> None:
    internet_gateway = one(stack_run, "aws:ec2/internetGateway:InternetGateway").urn
    for nat_gateway in stack_run.of_type("aws:ec2/natGateway:NatGateway"):
        assert internet_gateway in nat_gateway.dependencies, nat_gateway.name
    load_balancer = one(stack_run, "aws:lb/loadBalancer:LoadBalancer")
    assert internet_gateway in load_balancer.property_dependencies["subnets"]


def test_the_default_security_group_has_no_rules(stack_run: ProgramRun) -> None:
    default_group = one(stack_run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert default_group.inputs["ingress"] == []
    assert default_group.inputs["egress"] == []


def test_flow_logs_capture_all_traffic_into_an_encrypted_log_group_kept_for_log_days(
    stack_run: ProgramRun,
) -> None:
    flow_log = one(stack_run, "aws:ec2/flowLog:FlowLog")
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["vpcId"] == one(stack_run, "aws:ec2/vpc:Vpc").outputs["id"]
    (log_group,) = [
        group
        for group in stack_run.of_type("aws:cloudwatch/logGroup:LogGroup")
        if group.outputs["arn"] == flow_log.inputs["logDestination"]
    ]
    assert log_group.inputs["name"] == f"/toms/{stack_run.stack}/vpc-flow-logs"
    assert log_group.inputs["retentionInDays"] == stack_file(stack_run.stack)["toms:retention"]["logDays"]
    assert log_group.inputs["kmsKeyId"] == one(stack_run, "aws:kms/key:Key").outputs["arn"]


def test_the_flow_log_role_may_write_only_to_its_log_group(stack_run: ProgramRun) -> None:
    flow_log = one(stack_run, "aws:ec2/flowLog:FlowLog")
    (role,) = [
        role
        for role in stack_run.of_type("aws:iam/role:Role")
        if role.outputs["arn"] == flow_log.inputs["iamRoleArn"]
    ]
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    account = client_config(stack_run).account_id
    assert trust["Statement"][0]["Condition"]["StringEquals"] == {"aws:SourceAccount": account}
    (policy,) = [
        p
        for p in stack_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["id"]
    ]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    destination = flow_log.inputs["logDestination"]
    assert statement["Resource"] == [destination, f"{destination}:*"]
    assert all(not action.endswith("*") for action in statement["Action"])


def test_the_client_key_rotates_and_waits_thirty_days_before_deletion(stack_run: ProgramRun) -> None:
    key = one(stack_run, "aws:kms/key:Key")
    assert key.parent == one(stack_run, "toms:keys:ClientKey").urn
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] == 30
    assert one(stack_run, "aws:kms/alias:Alias").inputs["name"] == f"alias/toms/{stack_run.stack}"


def test_one_provider_carries_region_account_and_the_baseline_tags(stack_run: ProgramRun) -> None:
    config = client_config(stack_run)
    (provider,) = stack_run.of_type("pulumi:providers:aws")
    assert provider.inputs["region"] == config.region
    assert json.loads(provider.inputs["allowedAccountIds"]) == [config.account_id]
    tags = json.loads(provider.inputs["defaultTags"])["tags"]
    assert tags[standards.TAG_CLIENT] == stack_run.stack
    assert tags[standards.TAG_MANAGED_BY] == "pulumi"
    assert tags[standards.TAG_TOMS_VERSION]
    for resource in stack_run.resources:
        if resource.custom and resource.type.startswith("aws:"):
            assert resource.provider.startswith(provider.urn), resource.name


def test_every_child_of_a_component_is_parented_to_it(stack_run: ProgramRun) -> None:
    components = {resource.urn for resource in stack_run.resources if resource.type.startswith("toms:")}
    for resource in stack_run.resources:
        if resource.type.startswith("aws:"):
            assert resource.parent in components, (
                f"{resource.type} {resource.name} has no toms component parent"
            )


def test_a_larger_zone_count_is_honoured() -> None:
    config = stack_file("acme")
    config["toms:network"] = {"azCount": 3, "cidr": "10.9.0.0/20"}
    run = run_program(REPO, "acme", flatten_stack_config(config, "acme"))
    assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == 3
    assert {subnet.inputs["cidrBlock"] for subnet in run.of_type("aws:ec2/subnet:Subnet")} == {
        "10.9.0.0/24",
        "10.9.1.0/24",
        "10.9.2.0/24",
        "10.9.8.0/24",
        "10.9.9.0/24",
        "10.9.10.0/24",
    }


def test_the_program_exports_what_operators_look_up(stack_run: ProgramRun) -> None:
    outputs = stack_run.stack_outputs
    assert outputs["client"] == stack_run.stack
    assert outputs["region"] == client_config(stack_run).region
    assert outputs["vpc_id"] == one(stack_run, "aws:ec2/vpc:Vpc").outputs["id"]
    assert outputs["kms_key_arn"] == one(stack_run, "aws:kms/key:Key").outputs["arn"]


def test_the_stacks_aws_profile_reaches_the_provider() -> None:
    config = stack_file("acme")
    config["aws:profile"] = "acme-platform"
    run = run_program(REPO, "acme", flatten_stack_config(config, "acme"))
    (provider,) = run.of_type("pulumi:providers:aws")
    assert provider.inputs["profile"] == "acme-platform"
    (default,) = run_example_stack("acme").of_type("pulumi:providers:aws")
    assert "profile" not in default.inputs
