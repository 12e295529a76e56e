"""The toms program: one client's AWS baseline, composed from the client's stack file.

Every stack file in `stacks/` describes one client. The configuration is validated as a whole before
any resource is registered; a bad stack file stops the program with one message that lists each
problem (file, key, value, expectation) and no traceback.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.audit_trail import AuditTrail, AuditTrailArgs
from components.config import ClientConfig, StackConfigError, load_client_config, stack_file
from components.database import EncryptedDatabase, EncryptedDatabaseArgs
from components.keys import ClientKey, ClientKeyArgs
from components.load_balancer import TlsLoadBalancer, TlsLoadBalancerArgs
from components.log_archive import LogArchive, LogArchiveArgs
from components.log_group import LogPolicy
from components.network import Network, NetworkArgs
from components.service import DatabaseConnection, SelfHealingService, SelfHealingServiceArgs
from policies.toms_pack import standards
from toms import __version__


def client_provider(config: ClientConfig) -> aws.Provider:
    """The one AWS provider of the stack: the client's region, the client's account only, and the
    baseline's tags on every taggable resource. An explicit provider reads no `aws:` config of its own, so
    the stack's `aws:profile` (the credentials a platform engineer picks per client) is passed on."""
    return aws.Provider(
        "aws",
        region=config.region,
        profile=pulumi.Config("aws").get("profile"),
        allowed_account_ids=[config.account_id],
        default_tags=aws.ProviderDefaultTagsArgs(
            tags={
                standards.TAG_CLIENT: config.client,
                standards.TAG_MANAGED_BY: standards.MANAGED_BY,
                standards.TAG_TOMS_VERSION: __version__,
            }
        ),
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
    provider = client_provider(config)
    zones = available_zones(config, provider)
    in_account = pulumi.ResourceOptions(providers=[provider])
    key = ClientKey(
        config.client,
        ClientKeyArgs(
            client=config.client,
            account_id=config.account_id,
            region=config.region,
            partition=config.partition,
        ),
        opts=in_account,
    )
    log_archive = LogArchive(
        config.client,
        LogArchiveArgs(
            client=config.client,
            account_id=config.account_id,
            region=config.region,
            retention=config.retention,
            archive=config.archive,
            kms_key_arn=key.key_arn,
            partition=config.partition,
        ),
        opts=in_account,
    )
    log_policy = LogPolicy(
        retention_days=config.retention.log_days,
        kms_key_arn=key.key_arn,
        export_destination_arn=log_archive.delivery_stream_arn,
        export_role_arn=log_archive.export_role_arn,
    )
    network = Network(
        config.client,
        NetworkArgs(
            client=config.client,
            account_id=config.account_id,
            region=config.region,
            network=config.network,
            zones=zones,
            log_policy=log_policy,
            partition=config.partition,
        ),
        opts=in_account,
    )
    database = EncryptedDatabase(
        config.client,
        EncryptedDatabaseArgs(
            client=config.client,
            database=config.database,
            backup_days=config.retention.backup_days,
            kms_key_arn=key.key_arn,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            log_policy=log_policy,
        ),
        opts=in_account,
    )
    pulumi.export("database_endpoint", database.endpoint)
    pulumi.export("database_secret_arn", database.secret_arn)

    # The request path: internet -> load balancer -> service -> database, each hop a security group
    # reference to the next, never an address range inside the VPC.
    load_balancer = TlsLoadBalancer(
        config.client,
        TlsLoadBalancerArgs(
            client=config.client,
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            certificate_arn=config.certificate_arn,
            tls_policy=config.load_balancer.tls_policy,
            container_port=config.service.container_port,
            health_check_path=config.service.health_check_path,
            access_logs_bucket=log_archive.access_logs_bucket_name,
            access_logs_ready=[log_archive],
        ),
        opts=in_account,
    )
    service = SelfHealingService(
        config.client,
        SelfHealingServiceArgs(
            client=config.client,
            region=config.region,
            account_id=config.account_id,
            service=config.service,
            vpc_id=network.vpc_id,
            private_subnet_ids=network.private_subnet_ids,
            target_group_arn=load_balancer.target_group_arn,
            load_balancer_security_group_id=load_balancer.security_group_id,
            log_policy=log_policy,
            database=DatabaseConnection(
                host=database.address,
                port=database.port,
                secret_arn=database.secret_arn,
                security_group_id=database.security_group_id,
            ),
            partition=config.partition,
        ),
        opts=in_account,
    )
    load_balancer.allow_egress_to("service", service.security_group_id, config.service.container_port)
    database.allow_from("service", service.security_group_id)
    pulumi.export("load_balancer_dns_name", load_balancer.dns_name)
    pulumi.export("service_name", service.service_name)

    pulumi.export("client", config.client)
    pulumi.export("region", config.region)
    pulumi.export("kms_key_arn", key.key_arn)
    pulumi.export("vpc_id", network.vpc_id)

    audit_trail = AuditTrail(
        config.client,
        AuditTrailArgs(
            client=config.client,
            account_id=config.account_id,
            region=config.region,
            kms_key_arn=key.key_arn,
            archive=log_archive,
            log_policy=log_policy,
            partition=config.partition,
        ),
        opts=in_account,
    )
    pulumi.export("archive_bucket", log_archive.bucket_name)
    pulumi.export("access_logs_bucket", log_archive.access_logs_bucket_name)
    pulumi.export("trail_arn", audit_trail.trail_arn)


def main() -> None:
    try:
        compose_baseline(load_client_config(pulumi.get_stack()))
    except StackConfigError as error:
        # Raised before the network's resources, so the stack file alone decides: nothing was created.
        raise pulumi.RunError(error.describe("nothing was created")) from None


main()
