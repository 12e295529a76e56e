"""Every resource type of the services that store or move data is judged by a policy or reviewed as harmless.

The test walks the installed `pulumi_aws` (its own registry of resource types), so a provider upgrade that
adds a type to one of these services fails here until someone judges or reviews it. `NOT_YET_JUDGED` is
the known backlog: those types are blocked by `resource-type-not-reviewed` (the closed world fails
closed), and the list must only shrink; the test fails when a type leaves it without being removed from
it, and when a new gap appears.
"""

from __future__ import annotations

import re

from policies.toms_pack.harmless_types import ESCAPE_HATCHES, HARMLESS_TYPES
from policies.toms_pack.pack import all_rules
from policies.toms_pack.rules.closed_world import judged_types
from tests.policies.provider_types import aws_resource_types, service_of

# pulumi_aws modules of the services that store data or carry it between systems.
DATA_SERVICES = frozenset(
    {
        "rds", "redshift", "docdb", "neptune", "dynamodb", "elasticache", "memorydb", "efs", "opensearch",
        "sqs", "sns", "kinesis", "secretsmanager", "ssm", "ebs", "ecr", "lambda", "eks", "s3", "kms",
    }
)  # fmt: skip

# Types of those services no policy judges yet. Each is blocked by resource-type-not-reviewed.
NOT_YET_JUDGED = frozenset(
    {
        "aws:docdb/clusterSnapshot:ClusterSnapshot",
        "aws:dynamodb/globalTable:GlobalTable",
        "aws:dynamodb/tableExport:TableExport",
        "aws:dynamodb/tableReplica:TableReplica",
        "aws:efs/replicationConfiguration:ReplicationConfiguration",
        "aws:eks/accessEntry:AccessEntry",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:eks/addon:Addon",
        "aws:eks/capability:Capability",
        "aws:eks/fargateProfile:FargateProfile",
        "aws:eks/identityProviderConfig:IdentityProviderConfig",
        "aws:eks/nodeGroup:NodeGroup",
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
        "aws:elasticache/user:User",
        "aws:elasticache/userGroup:UserGroup",
        "aws:elasticache/userGroupAssociation:UserGroupAssociation",
        "aws:memorydb/acl:Acl",
        "aws:memorydb/multiRegionCluster:MultiRegionCluster",
        "aws:memorydb/parameterGroup:ParameterGroup",
        "aws:memorydb/snapshot:Snapshot",
        "aws:memorydb/user:User",
        "aws:neptune/clusterSnapshot:ClusterSnapshot",
        "aws:opensearch/application:Application",
        "aws:opensearch/authorizeVpcEndpointAccess:AuthorizeVpcEndpointAccess",
        "aws:opensearch/domainSamlOptions:DomainSamlOptions",
        "aws:opensearch/inboundConnectionAccepter:InboundConnectionAccepter",
        "aws:opensearch/outboundConnection:OutboundConnection",
        "aws:opensearch/package:Package",
        "aws:opensearch/packageAssociation:PackageAssociation",
        "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy",
        "aws:opensearch/serverlessCollection:ServerlessCollection",
        "aws:opensearch/serverlessCollectionGroup:ServerlessCollectionGroup",
        "aws:opensearch/serverlessLifecyclePolicy:ServerlessLifecyclePolicy",
        "aws:opensearch/serverlessSecurityConfig:ServerlessSecurityConfig",
        "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy",
        "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint",
        "aws:opensearch/vpcEndpoint:VpcEndpoint",
        "aws:rds/clusterActivityStream:ClusterActivityStream",
        "aws:rds/clusterRoleAssociation:ClusterRoleAssociation",
        "aws:rds/customDbEngineVersion:CustomDbEngineVersion",
        "aws:rds/exportTask:ExportTask",
        "aws:rds/instanceDesiredState:InstanceDesiredState",
        "aws:rds/integration:Integration",
        "aws:rds/optionGroup:OptionGroup",
        "aws:rds/roleAssociation:RoleAssociation",
        "aws:redshift/authenticationProfile:AuthenticationProfile",
        "aws:redshift/clusterIamRoles:ClusterIamRoles",
        "aws:redshift/clusterSnapshot:ClusterSnapshot",
        "aws:redshift/dataShareAuthorization:DataShareAuthorization",
        "aws:redshift/dataShareConsumerAssociation:DataShareConsumerAssociation",
        "aws:redshift/endpointAccess:EndpointAccess",
        "aws:redshift/endpointAuthorization:EndpointAuthorization",
        "aws:redshift/hsmClientCertificate:HsmClientCertificate",
        "aws:redshift/hsmConfiguration:HsmConfiguration",
        "aws:redshift/idcApplication:IdcApplication",
        "aws:redshift/integration:Integration",
        "aws:redshift/logging:Logging",
        "aws:redshift/namespaceRegistration:NamespaceRegistration",
        "aws:redshift/partner:Partner",
        "aws:redshift/scheduledAction:ScheduledAction",
        "aws:redshift/snapshotCopy:SnapshotCopy",
        "aws:redshift/snapshotCopyGrant:SnapshotCopyGrant",
    }
)


def _reviewed() -> frozenset[str]:
    all_rules()
    return judged_types() | frozenset(HARMLESS_TYPES)


def test_every_data_service_type_is_judged_or_reviewed_as_harmless() -> None:
    data_types = {token for token in aws_resource_types() if service_of(token) in DATA_SERVICES}
    gaps = data_types - _reviewed() - ESCAPE_HATCHES
    assert sorted(gaps - NOT_YET_JUDGED) == [], "new types: judge them, or review and list them as harmless"
    assert sorted(NOT_YET_JUDGED - gaps) == [], "judged or listed now: remove them from NOT_YET_JUDGED"


def test_every_type_a_rule_names_exists_in_the_provider() -> None:
    aws_types = aws_resource_types()
    named = {token for token in judged_types() if token.startswith("aws:")}
    assert sorted(named - aws_types) == []


def test_escape_hatches_are_never_reviewed() -> None:
    assert not ESCAPE_HATCHES & _reviewed()


def test_every_type_a_harmless_reason_relies_on_is_judged() -> None:
    """A reason such as "... judged on aws:appautoscaling/target:Target" must point at a judged type."""
    reviewed = _reviewed()
    relied_on = {
        token
        for reason in HARMLESS_TYPES.values()
        for token in re.findall(r"aws:[a-z0-9]+/[A-Za-z0-9]+:[A-Za-z0-9]+", reason)
    }
    assert relied_on and sorted(relied_on - reviewed) == []
