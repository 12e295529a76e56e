"""The toms program: one client's AWS baseline, composed from the client's stack file.

Every stack file in `stacks/` describes one client. The configuration is validated as a whole before
any resource is registered; a bad stack file stops the program with one message that lists each
problem (file, key, value, expectation) and no traceback.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import log_archive, service
from components.alarms import AlertTopic, AlertTopicArgs
from components.audit_trail import AuditTrail, AuditTrailArgs
from components.config import ClientConfig, StackConfigError, load_client_config, stack_file
from components.context import ClientContext
from components.database import EncryptedDatabase, EncryptedDatabaseArgs
from components.keys import ClientKey, ClientKeyArgs
from components.load_balancer import TlsLoadBalancer, TlsLoadBalancerArgs
from components.log_archive import LogArchive, LogArchiveArgs, audit_trail_arn
from components.log_group import LogPolicy
from components.network import Network, NetworkArgs
from components.service import SelfHealingService, SelfHealingServiceArgs
from components.waf import WebFirewall, WebFirewallArgs


def client_provider(context: ClientContext) -> aws.Provider:
    """The one AWS provider of the stack: the client's region, the client's account only, and the
    baseline's tags on every taggable resource. An explicit provider reads no `aws:` config of its own, so
    the stack's `aws:profile` (the credentials a platform engineer picks per client) is passed on."""
    return aws.Provider(
        "aws",
        region=context.region,
        profile=pulumi.Config("aws").get("profile"),
        allowed_account_ids=[context.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(tags=dict(context.tags)),
    )


def available_zones(config: ClientConfig, provider: aws.Provider) -> list[str]:
    """The zones the network spans, looked up before any resource exists: a region with fewer available
    zones than `azCount` is a stack-file error, not a half-built network."""
    names = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(provider=provider)).names
    if len(names) < config.network.az_count:
        raise StackConfigError(
            stack_file(pulumi.get_stack()),
            [
                f"toms:network.azCount: got {config.network.az_count}; expected at most {len(names)}, "
                f"the zones available to this account in {config.region}"
            ],
        )
    return list(names[: config.network.az_count])


def compose_baseline(config: ClientConfig) -> None:
    """The client's baseline, block by block; each block's own module says what it guarantees."""
    context = ClientContext.of(config)
    provider = client_provider(context)
    zones = available_zones(config, provider)
    in_account = pulumi.ResourceOptions(providers=[provider])
    name = config.client

    key = ClientKey(
        name,
        context,
        ClientKeyArgs(
            users=[*service.key_users(context), *log_archive.key_users(context)],
            trail_arn=audit_trail_arn(context),
        ),
        opts=in_account,
    )
    alerts = AlertTopic(name, context, AlertTopicArgs(key.key_arn, config.alerts), opts=in_account)
    archive = LogArchive(
        name,
        context,
        LogArchiveArgs(config.retention, config.archive, key.key_arn, alerts),
        opts=in_account,
    )
    log_policy = LogPolicy(
        retention_days=config.retention.log_days,
        kms_key_arn=key.key_arn,
        export_destination_arn=archive.delivery_stream_arn,
        export_role_arn=archive.export_role_arn,
    )
    network = Network(name, context, NetworkArgs(config.network, zones, log_policy), opts=in_account)
    database = EncryptedDatabase(
        name,
        context,
        EncryptedDatabaseArgs(
            database=config.database,
            backup_days=config.retention.backup_days,
            kms_key_arn=key.key_arn,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            log_policy=log_policy,
            alerts=alerts,
        ),
        opts=in_account,
    )

    # The request path: internet -> (web firewall) -> load balancer -> service -> database, each hop a
    # security group reference to the next, never an address range inside the VPC.
    load_balancer = TlsLoadBalancer(
        name,
        context,
        TlsLoadBalancerArgs(
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            certificate_arn=config.certificate_arn,
            tls_policy=config.load_balancer.tls_policy,
            container_port=config.service.container_port,
            health_check_path=config.service.health_check_path,
            access_logs_bucket=archive.access_logs_bucket_name,
            access_logs_ready=[archive],
            alerts=alerts,
        ),
        opts=in_account,
    )
    if config.load_balancer.waf:
        WebFirewall(name, context, WebFirewallArgs(load_balancer.arn, log_policy), opts=in_account)
    app = SelfHealingService(
        name,
        context,
        SelfHealingServiceArgs(
            service=config.service,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            target_group_arn=load_balancer.target_group_arn,
            load_balancer_security_group_id=load_balancer.security_group_id,
            log_policy=log_policy,
            alerts=alerts,
            database=database.connection,
        ),
        opts=in_account,
    )
    load_balancer.allow_egress_to("service", app.security_group_id, config.service.container_port)
    database.allow_from("service", app.security_group_id)

    trail = AuditTrail(
        name, context, AuditTrailArgs(key.key_arn, archive, log_policy, alerts), opts=in_account
    )

    pulumi.export("client", context.client)
    pulumi.export("region", context.region)
    pulumi.export("kms_key_arn", key.key_arn)
    pulumi.export("alert_topic_arn", alerts.arn)
    pulumi.export("vpc_id", network.vpc_id)
    pulumi.export("database_endpoint", database.endpoint)
    pulumi.export("database_secret_arn", database.secret_arn)
    pulumi.export("load_balancer_dns_name", load_balancer.dns_name)
    pulumi.export("service_name", app.service_name)
    pulumi.export("archive_bucket", archive.bucket_name)
    pulumi.export("access_logs_bucket", archive.access_logs_bucket_name)
    pulumi.export("trail_arn", trail.trail_arn)


def main() -> None:
    try:
        compose_baseline(load_client_config(pulumi.get_stack()))
    except StackConfigError as error:
        # Raised before the network's resources, so the stack file alone decides: nothing was created.
        raise pulumi.RunError(error.describe("nothing was created")) from None


main()
