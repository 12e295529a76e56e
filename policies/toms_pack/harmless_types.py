"""The reviewed list of harmless resource types: each stores no data, moves none and can loosen no measure.

The pack is a closed world. Every resource type a program creates is either judged by at least one policy,
listed here with a one-line reason, or blocked by `resource-type-not-reviewed` until someone reviews it.
An entry belongs here only when the type *cannot* weaken a measure whatever its inputs, because what it
could affect is judged on another resource. A type that can weaken a measure through one of its inputs
(an Elastic IP with `instance`, an SNS subscription over `http`) is judged by a policy instead, never
listed here. `tests/policies/test_harmless_types.py` checks that no entry is judged too, that every token
exists in the installed provider, and that no escape hatch is ever listed.

Add an entry only after reading the type's every input in the provider's schema; the reason must say why
none of them matters, naming the resource whose policies carry the risk.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Types that create whatever a template, a schema or a shell command says: no policy can see what they
# make, so they are never harmless and only the pack config (an entry with a reason and an expiry) can
# let one through.
ESCAPE_HATCHES: frozenset[str] = frozenset(
    {
        "aws:cloudformation/stack:Stack",
        "aws:cloudformation/stackSet:StackSet",
        "aws:cloudformation/stackSetInstance:StackSetInstance",
        "aws:cloudformation/stackInstances:StackInstances",
        "aws:cloudcontrol/resource:Resource",
        "command:local:Command",
        "command:remote:Command",
        "command:remote:CopyToRemote",
        # Runs a Lambda function during the deployment, with whatever input the program gives it: the
        # function may create, change or delete anything its role allows, which no policy can see.
        "aws:lambda/invocation:Invocation",
        # Deploys CloudFormation stack sets (roles, associations, conformance packs...) across accounts
        # and regions from a Quick Setup configuration definition.
        "aws:ssm/quicksetupConfigurationManager:QuicksetupConfigurationManager",
    }
)

_ROUTING = (
    "decides where packets go, not who may connect: exposure is judged on security groups, load balancers "
    "and public addresses"
)
_SUBNET_GROUP = (
    "lists the subnets a service may place nodes in; reachability is judged on the service's "
    "publiclyAccessible flag and its security groups"
)
_EVENT_SUBSCRIPTION = (
    "sends notices of service events (metadata, never stored data) to an SNS topic, which is judged"
)
_TAG = "sets one tag on another resource; tags carry no data and open no access"
_RANDOM = "generates a value inside the program's state; creates nothing in the cloud"
_API_PLUMBING = (
    "describes the shape of an API (paths, models, responses, documentation); who may call it and over "
    "which TLS is judged on the API, its stage, its integrations and its domain name"
)

HARMLESS_TYPES: Mapping[str, str] = MappingProxyType(
    {
        # Routing and addressing inside the VPC.
        "aws:ec2/routeTable:RouteTable": f"a route table {_ROUTING}",
        "aws:ec2/route:Route": f"a route {_ROUTING}",
        "aws:ec2/routeTableAssociation:RouteTableAssociation": f"a route table association {_ROUTING}",
        "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation": f"a main route table association "
        f"{_ROUTING}",
        "aws:ec2/defaultRouteTable:DefaultRouteTable": f"the VPC's default route table {_ROUTING}",
        "aws:ec2/internetGateway:InternetGateway": "a gateway alone exposes nothing: a resource is reachable "
        "only through its own public address and security group, which are judged",
        "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment": "attaches a gateway that exposes "
        "nothing by itself (see aws:ec2/internetGateway:InternetGateway)",
        "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": "IPv6 outbound only: accepts no "
        "connection from the internet",
        "aws:ec2/natGateway:NatGateway": "outbound address translation for private subnets: accepts no "
        "connection from the internet",
        "aws:ec2/vpcDhcpOptions:VpcDhcpOptions": "DNS, NTP and domain-name settings handed out in the VPC; "
        "no access and no data",
        "aws:ec2/vpcDhcpOptionsAssociation:VpcDhcpOptionsAssociation": "attaches DHCP options (see "
        "aws:ec2/vpcDhcpOptions:VpcDhcpOptions)",
        "aws:ec2/networkAcl:NetworkAcl": "a network ACL can only narrow what security groups allow: traffic "
        "must pass both, and the security groups are judged",
        "aws:ec2/networkAclRule:NetworkAclRule": "one network ACL rule (see aws:ec2/networkAcl:NetworkAcl)",
        "aws:ec2/networkAclAssociation:NetworkAclAssociation": "attaches a network ACL (see "
        "aws:ec2/networkAcl:NetworkAcl)",
        "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "the VPC's default network ACL (see "
        "aws:ec2/networkAcl:NetworkAcl)",
        "aws:ec2/vpcEndpoint:VpcEndpoint": "keeps traffic to an AWS service on AWS's network; an endpoint "
        "policy can only narrow what IAM already allows, and the endpoint's security groups are judged",
        "aws:ec2/vpcEndpointRouteTableAssociation:VpcEndpointRouteTableAssociation": "adds a gateway "
        "endpoint's route (see aws:ec2/vpcEndpoint:VpcEndpoint)",
        "aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation": "places an interface endpoint "
        "in a subnet (see aws:ec2/vpcEndpoint:VpcEndpoint)",
        "aws:ec2/vpc:Vpc": "an address space; what is placed in it and how it is reached is judged on "
        "subnets, security groups, load balancers and instances",
        "aws:ec2/managedPrefixList:ManagedPrefixList": "a named list of ranges: every security group rule "
        "that names one treats it as public unless the pack config's trustedPrefixLists lists it",
        "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry": "one range of a prefix list, which rules "
        "treat as public unless trusted (see aws:ec2/managedPrefixList:ManagedPrefixList)",
        "aws:ec2/placementGroup:PlacementGroup": "a placement strategy for instances; no access and no data",
        "aws:ec2/keyPair:KeyPair": "registers a public key (the annex's 'valid pub key'); the private key "
        "never reaches AWS",
        # Tags and names.
        "aws:ec2/tag:Tag": _TAG,
        "aws:ecs/tag:Tag": _TAG,
        "aws:dynamodb/tag:Tag": _TAG,
        "aws:secretsmanager/tag:Tag": _TAG,
        "aws:kms/alias:Alias": "a name for a KMS key; the key, its policy and its rotation are judged",
        "aws:route53/zone:Zone": "a DNS zone: names, not access; what a name points at is judged",
        "aws:route53/record:Record": "a DNS record: names, not access; what it points at is judged",
        "aws:acm/certificate:Certificate": "a TLS certificate; its private key never leaves ACM, and the "
        "TLS versions it is served with are judged on listeners, distributions and domain names",
        "aws:acm/certificateValidation:CertificateValidation": "waits for a certificate's validation; "
        "creates nothing",
        # Database plumbing: where nodes live, who is told about events, what is billed.
        "aws:rds/subnetGroup:SubnetGroup": f"a DB subnet group {_SUBNET_GROUP}",
        "aws:docdb/subnetGroup:SubnetGroup": f"a DocumentDB subnet group {_SUBNET_GROUP}",
        "aws:neptune/subnetGroup:SubnetGroup": f"a Neptune subnet group {_SUBNET_GROUP}",
        "aws:redshift/subnetGroup:SubnetGroup": f"a Redshift subnet group {_SUBNET_GROUP}",
        "aws:elasticache/subnetGroup:SubnetGroup": "lists the subnets cache nodes may use; ElastiCache "
        "has no public endpoints, and the nodes' security groups are judged",
        "aws:rds/eventSubscription:EventSubscription": _EVENT_SUBSCRIPTION,
        "aws:docdb/eventSubscription:EventSubscription": _EVENT_SUBSCRIPTION,
        "aws:neptune/eventSubscription:EventSubscription": _EVENT_SUBSCRIPTION,
        "aws:redshift/eventSubscription:EventSubscription": _EVENT_SUBSCRIPTION,
        "aws:rds/reservedInstance:ReservedInstance": "a billing commitment; creates no database",
        "aws:elasticache/reservedCacheNode:ReservedCacheNode": "a billing commitment; creates no cache",
        "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup": "connection-pool limits of an RDS proxy; "
        "the proxy (requireTls) and its databases are judged",
        "aws:rds/proxyTarget:ProxyTarget": "tells an RDS proxy which database it serves; the proxy and the "
        "database are judged",
        "aws:rds/clusterEndpoint:ClusterEndpoint": "a DNS name for some of a cluster's instances; "
        "reachability is judged on the instances and their security groups",
        "aws:neptune/clusterEndpoint:ClusterEndpoint": "a DNS name for some of a cluster's instances; "
        "reachability is judged on the instances and their security groups",
        # Queues, topics, secrets, files: pieces whose data and access are judged on the main resource.
        "aws:sqs/redrivePolicy:RedrivePolicy": "names the queue that receives a queue's failed messages; "
        "both queues are judged",
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "says which queues of the same account may use "
        "this queue as their dead-letter queue; both queues are judged",
        "aws:secretsmanager/secretVersion:SecretVersion": "a secret's value, encrypted with the secret's "
        "key, which is judged on the secret",
        "aws:secretsmanager/secretRotation:SecretRotation": "rotates a secret's value with a Lambda "
        "function, which is judged",
        "aws:efs/mountTarget:MountTarget": "a network interface for a file system in one subnet; "
        "reachability is judged on its security groups",
        "aws:efs/accessPoint:AccessPoint": "enforces a POSIX user and root directory for clients: can "
        "only narrow what the file system policy allows",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy": "expires old images; no access and no data beyond the "
        "repository, which is judged",
        # Web application firewall: it can only block requests.
        "aws:wafv2/webAcl:WebAcl": "filters requests in front of a load balancer or API: it can only narrow "
        "what reaches them",
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "sends a web ACL's request logs "
        "to a log group, which is judged",
        # Scaling, alarms and metrics.
        "aws:appautoscaling/policy:Policy": "scales between the scalable target's minimum and maximum, "
        "which are judged on aws:appautoscaling/target:Target",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm": "combines alarms; holds no data and opens no access",
        "aws:cloudwatch/logMetricFilter:LogMetricFilter": "derives a metric from a log group it does not "
        "change; the log group is judged",
        "aws:cloudwatch/logStream:LogStream": "a stream inside a log group, which carries retention, key "
        "and export and is judged",
        "aws:dynamodb/contributorInsights:ContributorInsights": "metrics about a table's most used keys; "
        "the table is judged",
        # Identity plumbing whose permissions are judged elsewhere.
        "aws:iam/instanceProfile:InstanceProfile": "hands a role to EC2 instances; the role's trust and "
        "permission policies are judged",
        "aws:iam/serviceLinkedRole:ServiceLinkedRole": "AWS defines and fixes the role's trust and "
        "permissions; the program cannot widen them",
        "aws:iam/group:Group": "an empty set of users; the group's policies and attachments are judged",
        "aws:iam/groupMembership:GroupMembership": "puts users into a group, whose policies are judged",
        "aws:iam/userGroupMembership:UserGroupMembership": "puts a user into groups, whose policies are "
        "judged",
        # API Gateway plumbing (judged: the APIs, stages, integrations, domain names and permissions).
        "aws:apigateway/resource:Resource": _API_PLUMBING,
        "aws:apigateway/model:Model": _API_PLUMBING,
        "aws:apigateway/requestValidator:RequestValidator": _API_PLUMBING,
        "aws:apigateway/methodResponse:MethodResponse": _API_PLUMBING,
        "aws:apigateway/integrationResponse:IntegrationResponse": _API_PLUMBING,
        "aws:apigateway/response:Response": _API_PLUMBING,
        "aws:apigateway/documentationPart:DocumentationPart": _API_PLUMBING,
        "aws:apigateway/documentationVersion:DocumentationVersion": _API_PLUMBING,
        "aws:apigateway/deployment:Deployment": "a snapshot of an API's configuration; the API and its "
        "stage are judged",
        "aws:apigateway/basePathMapping:BasePathMapping": "maps a path of a custom domain to a stage; the "
        "domain name's TLS policy is judged",
        "aws:apigatewayv2/model:Model": _API_PLUMBING,
        "aws:apigatewayv2/routeResponse:RouteResponse": _API_PLUMBING,
        "aws:apigatewayv2/integrationResponse:IntegrationResponse": _API_PLUMBING,
        "aws:apigatewayv2/deployment:Deployment": "a snapshot of an API's configuration; the API and its "
        "stage are judged",
        "aws:apigatewayv2/apiMapping:ApiMapping": "maps a path of a custom domain to a stage; the domain "
        "name's TLS policy is judged",
        # More plumbing of judged data stores.
        "aws:rds/certificate:Certificate": (
            "picks which RDS CA signs new instances' certificates; whether TLS is required is judged on "
            "parameter groups and proxies"
        ),
        "aws:rds/proxyEndpoint:ProxyEndpoint": (
            "another endpoint of a judged RDS proxy, which carries requireTls; reachability is judged on its "
            "security groups"
        ),
        "aws:neptune/parameterGroup:ParameterGroup": (
            "instance-level Neptune tuning (query timeouts); TLS is a cluster parameter, judged on "
            "aws:neptune/clusterParameterGroup:ClusterParameterGroup"
        ),
        "aws:elasticache/parameterGroup:ParameterGroup": (
            "cache engine tuning; encryption, TLS and backups are set on the replication group, which is "
            "judged"
        ),
        "aws:memorydb/subnetGroup:SubnetGroup": (
            "lists the subnets MemoryDB nodes may use; MemoryDB has no public endpoints, and the nodes' "
            "security groups are judged"
        ),
        "aws:dynamodb/globalSecondaryIndex:GlobalSecondaryIndex": (
            "an index of a judged table, stored under the table's key and recovered with it"
        ),
        "aws:dynamodb/tableItem:TableItem": "one item written into a judged table, stored under its key",
        "aws:dynamodb/kinesisStreamingDestination:KinesisStreamingDestination": (
            "streams a judged table's changes to a judged Kinesis stream"
        ),
        "aws:kinesis/streamConsumer:StreamConsumer": (
            "registers a reader of a judged stream; who may read is decided by IAM, which is judged"
        ),
        "aws:sns/dataProtectionPolicy:DataProtectionPolicy": (
            "masks or blocks personal data in a topic's messages: can only narrow what the topic delivers"
        ),
        "aws:sns/smsPreferences:SmsPreferences": (
            "the account's SMS sender settings (spend limit, sender id); holds no data"
        ),
        "aws:ebs/fastSnapshotRestore:FastSnapshotRestore": (
            "pre-warms a snapshot's volumes in a zone; changes neither its encryption nor who may use it"
        ),
        "aws:kms/ciphertext:Ciphertext": "encrypts a value with a judged key inside the program's state",
        "aws:lambda/alias:Alias": "a name for a version of a judged function",
        "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": (
            "keeps instances of a judged function warm; capacity only"
        ),
        "aws:lambda/functionScalingConfig:FunctionScalingConfig": (
            "how far a judged function scales; capacity only"
        ),
        "aws:lambda/runtimeManagementConfig:RuntimeManagementConfig": (
            "when a judged function's runtime is updated"
        ),
        "aws:lambda/codeSigningConfig:CodeSigningConfig": (
            "requires signed code for the functions that use it: can only narrow what may run"
        ),
        "aws:lambda/eventSourceMapping:EventSourceMapping": (
            "feeds a judged function from a judged queue, stream or table"
        ),
        "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": (
            "tells browsers which sites may call the bucket; grants no access, which the bucket's policies "
            "and public access block decide"
        ),
        "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2": (
            "tells browsers which sites may call the bucket; grants no access, which the bucket's policies "
            "and public access block decide"
        ),
        "aws:s3/bucketAccelerateConfiguration:BucketAccelerateConfiguration": (
            "routes uploads over AWS's edge network (TLS as usual); no access and no data"
        ),
        "aws:s3/bucketAccelerateConfigurationV2:BucketAccelerateConfigurationV2": (
            "routes uploads over AWS's edge network (TLS as usual); no access and no data"
        ),
        "aws:s3/bucketRequestPaymentConfiguration:BucketRequestPaymentConfiguration": (
            "who pays for requests; no access and no data"
        ),
        "aws:s3/bucketRequestPaymentConfigurationV2:BucketRequestPaymentConfigurationV2": (
            "who pays for requests; no access and no data"
        ),
        "aws:s3/bucketMetric:BucketMetric": "request metrics of a judged bucket",
        "aws:s3/analyticsConfiguration:AnalyticsConfiguration": "storage-class analysis of a judged bucket",
        "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration": (
            "moves a judged bucket's objects between storage tiers; same bucket, same key"
        ),
        "aws:s3/bucketNotification:BucketNotification": (
            "sends object event notices (names, not contents) to judged queues, topics and functions"
        ),
        "aws:s3/bucketLogging:BucketLogging": "writes a judged bucket's access logs to a judged bucket",
        "aws:s3/bucketLoggingV2:BucketLoggingV2": "writes a judged bucket's access logs to a judged bucket",
        "aws:ssm/patchBaseline:PatchBaseline": "which patches instances get; no access and no data",
        "aws:ssm/defaultPatchBaseline:DefaultPatchBaseline": "which patch baseline is the default",
        "aws:ssm/patchGroup:PatchGroup": "ties instances to a patch baseline",
        "aws:ssm/maintenanceWindow:MaintenanceWindow": (
            "a schedule only; the tasks that run in it are separate resources, not on this list"
        ),
        "aws:ssm/maintenanceWindowTarget:MaintenanceWindowTarget": (
            "which instances a maintenance window covers"
        ),
        "aws:redshift/snapshotSchedule:SnapshotSchedule": (
            "when a judged cluster takes snapshots; retention is judged on the cluster"
        ),
        "aws:redshift/snapshotScheduleAssociation:SnapshotScheduleAssociation": (
            "ties a snapshot schedule to a judged cluster"
        ),
        "aws:redshift/usageLimit:UsageLimit": (
            "caps a cluster's spend or concurrency scaling; no access and no data"
        ),
        # More plumbing of S3, Lambda, ECR, KMS, SNS, Kinesis and Systems Manager.
        "aws:s3/bucketAbac:BucketAbac": (
            "lets IAM conditions on a bucket's tags take effect; grants nothing itself: access is granted "
            "by bucket policies, public access blocks and IAM policies, which are judged"
        ),
        "aws:s3/filesAccessPoint:FilesAccessPoint": (
            "enforces a POSIX user and root directory for clients of an S3 file system: can only narrow "
            "what aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy allows"
        ),
        "aws:s3/filesMountTarget:FilesMountTarget": (
            "a network interface for an S3 file system in one subnet; reachability is judged on its "
            "security groups"
        ),
        "aws:s3/filesSynchronizationConfiguration:FilesSynchronizationConfiguration": (
            "which objects of the file system's own bucket it imports and when unused copies leave the "
            "file system; data moves only between the judged bucket and "
            "aws:s3/filesFileSystem:FilesFileSystem"
        ),
        "aws:lambda/layerVersion:LayerVersion": (
            "code packaged for functions; who else may use it is judged on "
            "aws:lambda/layerVersionPermission:LayerVersionPermission"
        ),
        "aws:lambda/functionRecursionConfig:FunctionRecursionConfig": (
            "whether Lambda stops a judged function that calls itself in a loop; cost and throttling, no "
            "access and no data"
        ),
        "aws:lambda/coreNetworkConnector:CoreNetworkConnector": (
            "network interfaces through which Lambda MicroVMs reach the VPC, like a function's vpcConfig; "
            "what they reach is decided by security groups, which are judged"
        ),
        "aws:ecr/accountSetting:AccountSetting": (
            "the registry's basic-scan engine, blob mounting between its own repositories or the actions "
            "its registry policy may name; access is granted only by registry and repository policies, "
            "which are judged"
        ),
        "aws:ecr/pullTimeUpdateExclusion:PullTimeUpdateExclusion": (
            "stops one principal's pulls from updating images' last-pulled time; no access and no data"
        ),
        "aws:kms/customKeyStore:CustomKeyStore": (
            "a CloudHSM cluster or external key manager that holds the material of keys created in it; "
            "it creates no key and grants no use: keys, their policies and grants are judged"
        ),
        "aws:sns/platformApplication:PlatformApplication": (
            "credentials for a mobile push service (APNs, FCM), reached over TLS; what a topic sends to "
            "devices is decided by its subscriptions, judged on aws:sns/topicSubscription:TopicSubscription"
        ),
        "aws:kinesis/accountSettings:AccountSettings": (
            "a billing commitment for on-demand streams; no access and no data"
        ),
        "aws:ssm/contactsRotation:ContactsRotation": (
            "an on-call rotation of Incident Manager contacts; holds no client data and opens no access"
        ),
        # Data-store plumbing reviewed for issue 15: no data, no access, or what it touches is judged.
        "aws:rds/customDbEngineVersion:CustomDbEngineVersion": (
            "the engine software RDS Custom installs (installation media or an AMI), no client data; the "
            "instances that run it are judged on aws:rds/instance:Instance"
        ),
        "aws:rds/instanceDesiredState:InstanceDesiredState": (
            "starts or stops a judged aws:rds/instance:Instance; changes neither its data, key nor access"
        ),
        "aws:redshift/endpointAccess:EndpointAccess": (
            "a private endpoint for a cluster in the stack's subnets, reached through its security groups; "
            "another account's cluster must first allow it with "
            "aws:redshift/endpointAuthorization:EndpointAuthorization, which is judged"
        ),
        "aws:redshift/hsmClientCertificate:HsmClientCertificate": (
            "a client certificate Redshift presents to an HSM; no data and no access (the HSM set-up that "
            "would use it is judged: aws:redshift/hsmConfiguration:HsmConfiguration)"
        ),
        "aws:redshift/partner:Partner": (
            "authorizes a partner to post status updates about its integration (AddPartner); access to "
            "data needs database users, which this type does not create"
        ),
        "aws:redshift/scheduledAction:ScheduledAction": (
            "pauses, resumes or resizes a judged aws:redshift/cluster:Cluster on a schedule; changes "
            "neither its data, key nor access"
        ),
        "aws:memorydb/parameterGroup:ParameterGroup": (
            "engine tuning (memory policy, timeouts); TLS, the key, the ACL and snapshots are set on the "
            "cluster, judged on aws:memorydb/cluster:Cluster"
        ),
        "aws:opensearch/serverlessLifecyclePolicy:ServerlessLifecyclePolicy": (
            "deletes a collection's indexes after a set time: it can only shorten how long data is kept"
        ),
        "aws:opensearch/serverlessVpcEndpoint:ServerlessVpcEndpoint": (
            "a private endpoint in the stack's subnets, reached through its security groups; which "
            "collections it reaches is decided by network policies, judged on "
            "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy"
        ),
        "aws:opensearch/vpcEndpoint:VpcEndpoint": (
            "a private endpoint to a domain in the stack's subnets, reached through its security groups; "
            "another account's domain must first allow it with "
            "aws:opensearch/authorizeVpcEndpointAccess:AuthorizeVpcEndpointAccess, which is judged"
        ),
        # Values generated inside the program.
        "random:index/randomId:RandomId": _RANDOM,
        "random:index/randomInteger:RandomInteger": _RANDOM,
        "random:index/randomPassword:RandomPassword": _RANDOM,
        "random:index/randomPet:RandomPet": _RANDOM,
        "random:index/randomShuffle:RandomShuffle": _RANDOM,
        "random:index/randomString:RandomString": _RANDOM,
        "random:index/randomUuid:RandomUuid": _RANDOM,
        "random:index/randomBytes:RandomBytes": _RANDOM,
        "pulumi:pulumi:StackReference": "reads another stack's outputs; creates nothing in the cloud",
    }
)


def harmless_reason(resource_type: str) -> str | None:
    """Why a type is harmless, or None when it is not on the reviewed list."""
    return HARMLESS_TYPES.get(resource_type)
