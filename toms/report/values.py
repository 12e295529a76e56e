"""The concrete values behind each measure, read from what the program registers for a client's stack.

The report states what the program really builds, so every value here comes from a registered resource's
inputs (never from the stack file directly): a retention the program fails to pass on shows up as the
value it did pass. An aspect is one thing an auditor asks about (the key's rotation, the database's
backups, the listener's TLS policy...); it reads resources of some AWS types wherever the program
registers them and names the component meant to build them. When the run registers none of them, the
aspect says plainly that it is not built, with no value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from policies.toms_pack import catalogue, kit, standards
from policies.toms_pack.rules import ecs as ecs_rules
from policies.toms_pack.rules import edge as edge_rules
from policies.toms_pack.rules import kms as kms_rules
from policies.toms_pack.rules import logs as logs_rules
from policies.toms_pack.rules import network as network_rules
from policies.toms_pack.rules import rds as rds_rules
from policies.toms_pack.rules import s3 as s3_rules
from policies.toms_pack.rules import stack as stack_rules
from toms.offline.analyzer_client import SECRET_SIG, SIG_KEY, UNKNOWN_SENTINEL
from toms.preview.model import PlannedResource

NOT_SET = "not set"
UNKNOWN = "known only at deployment"


@dataclass(frozen=True)
class Fact:
    setting: str
    value: str


@dataclass(frozen=True)
class ResourceFacts:
    """The values of one registered resource that matter to an aspect."""

    type: str
    name: str
    # The component that registered it (`toms:network:Network acme`), or "" for a top-level resource.
    component: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class AspectFacts:
    aspect: Aspect
    resources: tuple[ResourceFacts, ...]

    @property
    def built(self) -> bool:
        return bool(self.resources)


@dataclass(frozen=True)
class ComponentPresence:
    type: str
    names: tuple[str, ...]

    @property
    def built(self) -> bool:
        return bool(self.names)


@dataclass(frozen=True)
class MeasureFacts:
    measure: catalogue.Measure
    components: tuple[ComponentPresence, ...]
    aspects: tuple[AspectFacts, ...]

    @property
    def missing_components(self) -> tuple[str, ...]:
        return tuple(component.type for component in self.components if not component.built)


@dataclass(frozen=True)
class BuiltResource:
    """A registered resource as the report reads it: its inputs with unknowns and secrets marked."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: Mapping[str, Any]


class _Marker:
    def __init__(self, shown: str) -> None:
        self.shown = shown

    def __repr__(self) -> str:
        return self.shown


UNKNOWN_VALUE = _Marker(UNKNOWN)
SECRET_VALUE = _Marker("secret")


def _from_wire(value: Any) -> Any:
    """A property value as the engine marshals it, with unknowns and secrets as markers."""
    if value == UNKNOWN_SENTINEL:
        return UNKNOWN_VALUE
    if isinstance(value, Mapping):
        if value.get(SIG_KEY) == SECRET_SIG:
            return SECRET_VALUE
        return {key: _from_wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_wire(item) for item in value]
    return value


def from_preview(resources: Iterable[PlannedResource]) -> tuple[BuiltResource, ...]:
    """The resources of an offline preview (`toms.preview`), inputs as the pack received them."""
    return tuple(
        BuiltResource(
            type=resource.type,
            name=resource.name,
            urn=resource.urn,
            parent=resource.parent,
            custom=resource.custom,
            inputs=_from_wire(dict(resource.analyzed.props)),
        )
        for resource in resources
    )


class RunIndex:
    """The resources of one run with the lookups the aspects need."""

    def __init__(self, resources: Sequence[BuiltResource], region: str) -> None:
        # Registration order varies from run to run (the runtime registers concurrently); URN order does
        # not, so two reports of the same stack differ only where the stack does.
        self.resources = tuple(sorted(resources, key=lambda resource: resource.urn))
        self.region = region
        self.by_urn = {resource.urn: resource for resource in self.resources}

    def of_types(self, types: tuple[str, ...]) -> list[BuiltResource]:
        return [resource for resource in self.resources if resource.type in types]

    def component_of(self, resource: BuiltResource) -> str:
        """The nearest component above `resource`, as `type name`."""
        parent = self.by_urn.get(resource.parent)
        while parent is not None:
            if not parent.custom and not parent.type.startswith("pulumi:"):
                return f"{parent.type} {parent.name}"
            parent = self.by_urn.get(parent.parent)
        return ""

    def siblings(self, resource: BuiltResource, types: tuple[str, ...]) -> list[BuiltResource]:
        return [other for other in self.of_types(types) if other.parent == resource.parent]


# Formatting of input values: plain text, never a guess.


def _known(value: Any) -> bool:
    return not isinstance(value, _Marker)


def text(value: Any) -> str:
    if isinstance(value, _Marker):
        return value.shown
    if value is None or value == "":
        return NOT_SET
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(text(item) for item in value) if value else "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def key_text(value: Any) -> str:
    """A KMS key reference as the pack judges it (`kit`): an AWS managed key is not the client's."""
    if value is UNKNOWN_VALUE:
        return "a customer managed key of the stack (its ARN is known at deployment)"
    if value in (None, ""):
        return "no KMS key of the client (AWS's own key)"
    if kit.is_aws_managed_key_reference(value):
        return f"the AWS managed key {text(value)}, not a customer key"
    if kit.is_customer_key_reference(value):
        return f"the customer managed key {text(value)}"
    return text(value)


def days(value: Any) -> str:
    if not _known(value) or value in (None, ""):
        return text(value)
    return f"{text(value)} day" if value == 1 else f"{text(value)} days"


def switch(value: Any, *, absent: str = "off") -> str:
    """An on/off input; `absent` says what AWS does when the program leaves it out."""
    if not _known(value):
        return UNKNOWN
    if value is None:
        return absent
    return "on" if value in (True, "true") else "off"


def _nested(inputs: Mapping[str, Any], *path: str | int) -> Any:
    value: Any = inputs
    for part in path:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and len(value) > part else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _first(value: Any) -> Any:
    """pulumi-aws nests single blocks as a one-element list in some resources and a mapping in others."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _json_value(value: Any) -> Any:
    """Some inputs arrive as JSON text (container definitions, provider tags)."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


Extract = Callable[[BuiltResource, RunIndex], list[Fact]]


@dataclass(frozen=True)
class Aspect:
    id: str
    title: str
    types: tuple[str, ...]
    # What is meant to build these resources (component type tokens): named when the run has none of them.
    built_by: str
    extract: Extract


# Extractors, one per aspect.


def _provider(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    tags = _nested(_json_value(inputs.get("defaultTags")), "tags")
    return [
        Fact("region", text(inputs.get("region"))),
        Fact("accounts it may deploy into", text(_json_value(inputs.get("allowedAccountIds")))),
        Fact(
            "tags on every resource",
            ", ".join(f"{key}={value}" for key, value in sorted(tags.items()))
            if isinstance(tags, Mapping)
            else NOT_SET,
        ),
    ]


def _kms_key(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    facts = [
        Fact("automatic key rotation", switch(inputs.get("enableKeyRotation"))),
        Fact("deletion window", days(inputs.get("deletionWindowInDays"))),
    ]
    if inputs.get("rotationPeriodInDays") is not None:
        facts.append(Fact("rotation period", days(inputs.get("rotationPeriodInDays"))))
    return facts


_SUBNET = ("aws:ec2/subnet:Subnet",)
_NAT = ("aws:ec2/natGateway:NatGateway",)
_DEFAULT_SG = (network_rules.DEFAULT_SECURITY_GROUP,)
_FLOW_LOG = ("aws:ec2/flowLog:FlowLog",)


def _network(resource: BuiltResource, index: RunIndex) -> list[Fact]:
    facts = [Fact("region", index.region), Fact("address range", text(resource.inputs.get("cidrBlock")))]
    for flow_log in index.siblings(resource, _FLOW_LOG):
        facts.append(Fact("flow logs", f"{text(flow_log.inputs.get('trafficType'))} traffic"))
    return facts


def _network_zones(resource: BuiltResource, index: RunIndex) -> list[Fact]:
    subnets = index.siblings(resource, _SUBNET)
    zones = sorted({text(subnet.inputs.get("availabilityZone")) for subnet in subnets})
    return [
        Fact("availability zones", f"{len(zones)} ({', '.join(zones)})" if zones else "none"),
        Fact("subnets", f"{len(subnets)}"),
        Fact("NAT gateways (one per zone)", str(len(index.siblings(resource, _NAT)))),
    ]


def _network_exposure(resource: BuiltResource, index: RunIndex) -> list[Fact]:
    subnets = index.siblings(resource, _SUBNET)
    public_ip = [subnet for subnet in subnets if subnet.inputs.get("mapPublicIpOnLaunch") is True]
    facts = [Fact("subnets giving instances a public IP", str(len(public_ip)))]
    for group in index.siblings(resource, _DEFAULT_SG):
        closed = group.inputs.get("ingress") == [] and group.inputs.get("egress") == []
        facts.append(Fact("default security group", "no rules" if closed else "has rules"))
    return facts


def _security_group(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    facts = [Fact("description", text(inputs.get("description")))]
    for rule in inputs.get("ingress") or []:
        facts.append(Fact("ingress", _rule_text(rule)))
    return facts


def _rule_text(rule: Mapping[str, Any]) -> str:
    if "referencedSecurityGroupId" in rule or rule.get("securityGroups"):
        sources = "another security group of the stack"
    else:
        sources = text(rule.get("cidrBlocks") or rule.get("cidrIpv4") or rule.get("cidrIpv6"))
    ports = f"{text(rule.get('fromPort'))}-{text(rule.get('toPort'))}"
    return f"{text(rule.get('protocol') or rule.get('ipProtocol'))} {ports} from {sources}"


def _ingress_rule(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("allows", _rule_text(inputs)),
        Fact("description", text(inputs.get("description"))),
    ]


def _rds_encryption(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("storage encrypted", switch(inputs.get("storageEncrypted"))),
        Fact("KMS key", key_text(inputs.get("kmsKeyId"))),
        Fact("server certificate authority", text(inputs.get("caCertIdentifier"))),
    ]


def _rds_availability(resource: BuiltResource, index: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("engine", f"{text(inputs.get('engine'))} {text(inputs.get('engineVersion'))}"),
        Fact("instance class", text(inputs.get("instanceClass"))),
        Fact("Multi-AZ (standby in a second zone)", switch(inputs.get("multiAz"))),
    ]


def _rds_backups(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    final_snapshot = "taken" if inputs.get("skipFinalSnapshot") is not True else "skipped"
    return [
        Fact("automated backups kept", days(inputs.get("backupRetentionPeriod"))),
        Fact("deletion protection", switch(inputs.get("deletionProtection"))),
        Fact("final snapshot on deletion", final_snapshot),
    ]


def _rds_exposure(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    return [Fact("publicly accessible", switch(resource.inputs.get("publiclyAccessible")))]


def _rds_authentication(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("IAM database authentication", switch(inputs.get("iamDatabaseAuthenticationEnabled"))),
        Fact(
            "master password",
            "managed in Secrets Manager" if inputs.get("manageMasterUserPassword") else "set by the program",
        ),
    ]


def _rds_logs(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    return [Fact("logs exported to CloudWatch", text(resource.inputs.get("enabledCloudwatchLogsExports")))]


def _parameter_group(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    parameters = {
        str(parameter.get("name")): parameter.get("value")
        for parameter in resource.inputs.get("parameters") or []
        if isinstance(parameter, Mapping)
    }
    facts = [Fact("family", text(resource.inputs.get("family")))]
    for name, _accepted in standards.TLS_PARAMETERS.values():
        if name in parameters:
            facts.append(Fact(name, text(parameters[name])))
    if len(facts) == 1:
        facts.append(Fact("parameter forcing TLS", NOT_SET))
    return facts


def _listener(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    facts = [Fact("protocol and port", f"{text(inputs.get('protocol'))} {text(inputs.get('port'))}")]
    if inputs.get("protocol") in ("HTTPS", "TLS"):
        facts.append(Fact("TLS policy", text(inputs.get("sslPolicy"))))
    for action in inputs.get("defaultActions") or []:
        redirect = _first(action.get("redirect")) if isinstance(action, Mapping) else None
        if isinstance(redirect, Mapping):
            facts.append(Fact("default action", f"redirect to {text(redirect.get('protocol'))}"))
        elif isinstance(action, Mapping):
            facts.append(Fact("default action", text(action.get("type"))))
    return facts


def _load_balancer(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("type", text(inputs.get("loadBalancerType") or "application")),
        Fact("internal", switch(inputs.get("internal"))),
        Fact("drops invalid headers", switch(inputs.get("dropInvalidHeaderFields"))),
    ]


def _load_balancer_logs(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    access_logs = _first(resource.inputs.get("accessLogs"))
    return [
        Fact("access logs", switch(_nested(access_logs or {}, "enabled"))),
        Fact("deletion protection", switch(resource.inputs.get("enableDeletionProtection"))),
    ]


def _ecs_service(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    breaker = _first(inputs.get("deploymentCircuitBreaker")) or {}
    rollback = "with rollback" if breaker.get("rollback") else "without rollback"
    return [
        Fact("replicas (desired tasks)", text(inputs.get("desiredCount"))),
        Fact("deployment circuit breaker", f"{switch(breaker.get('enable'))}, {rollback}"),
        Fact("minimum healthy during deployment", f"{text(inputs.get('deploymentMinimumHealthyPercent'))} %"),
        Fact("health check grace period", f"{text(inputs.get('healthCheckGracePeriodSeconds'))} s"),
        Fact("behind the load balancer", "yes" if inputs.get("loadBalancers") else "no"),
    ]


def _ecs_exposure(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    network = _first(resource.inputs.get("networkConfiguration")) or {}
    return [Fact("tasks get a public IP", switch(network.get("assignPublicIp")))]


def _autoscaling(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("autoscaling minimum", text(inputs.get("minCapacity"))),
        Fact("autoscaling maximum", text(inputs.get("maxCapacity"))),
    ]


def _task_definition(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    containers = _json_value(inputs.get("containerDefinitions"))
    facts = [
        Fact("launch type", text(inputs.get("requiresCompatibilities"))),
        Fact("CPU units and memory (MiB)", f"{text(inputs.get('cpu'))}, {text(inputs.get('memory'))}"),
    ]
    if not _known(containers):
        facts.append(Fact("container definitions", text(containers)))
    for container in containers if isinstance(containers, list) else []:
        name = text(container.get("name"))
        log_driver = _nested(container, "logConfiguration", "logDriver")
        facts += [
            Fact(f"{name}: image", text(container.get("image"))),
            Fact(f"{name}: read-only root file system", switch(container.get("readonlyRootFilesystem"))),
            Fact(f"{name}: health check", "defined" if container.get("healthCheck") else NOT_SET),
            Fact(f"{name}: log driver", text(log_driver)),
        ]
    return facts


def _log_group(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("log group", text(inputs.get("name"))),
        Fact("events kept", days(inputs.get("retentionInDays"))),
    ]


def _log_group_encryption(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("log group", text(inputs.get("name"))),
        Fact("encrypted with", key_text(inputs.get("kmsKeyId"))),
    ]


def _subscription(resource: BuiltResource, index: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    pattern = inputs.get("filterPattern")
    return [
        Fact("exports", "every event" if pattern in ("", None) else f"events matching {text(pattern)}"),
        Fact("destination", text(inputs.get("destinationArn"))),
    ]


def _bucket(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("bucket", text(inputs.get("bucket") or inputs.get("bucketPrefix"))),
        Fact("Object Lock", switch(inputs.get("objectLockEnabled"))),
        Fact("force destroy", switch(inputs.get("forceDestroy"))),
    ]


def _object_lock(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    retention = _first(_nested(_first(resource.inputs.get("rule")) or {}, "defaultRetention")) or {}
    held = days(retention.get("days")) if retention.get("days") is not None else None
    if held is None and retention.get("years") is not None:
        held = f"{text(retention.get('years'))} years"
    return [
        Fact("lock mode", text(retention.get("mode"))),
        Fact("each object locked for", held or NOT_SET),
    ]


def _as_pack_value(value: Any) -> Any:
    """An input as the pack's rules see it: unknowns as `kit.UNKNOWN`."""
    if value is UNKNOWN_VALUE:
        return kit.UNKNOWN
    if isinstance(value, Mapping):
        return {key: _as_pack_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_pack_value(item) for item in value]
    return value


def _whole_bucket(rule: Any) -> str:
    """Whether a lifecycle rule covers every object, as the pack's s3-archive-lifecycle policy decides it."""
    covers = s3_rules.covers_whole_bucket(_as_pack_value(rule))
    return UNKNOWN if covers is kit.UNKNOWN else ("every object" if covers else "only some objects")


def _lifecycle(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    facts = []
    for rule in resource.inputs.get("rules") or []:
        expiration = _first(rule.get("expiration")) or {}
        noncurrent = _first(rule.get("noncurrentVersionExpiration")) or {}
        facts.append(
            Fact(
                f"rule {text(rule.get('id'))} ({text(rule.get('status'))})",
                f"{_whole_bucket(rule)}: expire after {days(expiration.get('days'))}"
                + (
                    f", old versions after {days(noncurrent.get('noncurrentDays'))}"
                    if noncurrent.get("noncurrentDays") is not None
                    else ""
                ),
            )
        )
    return facts or [Fact("rules", "none")]


def _versioning(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    configuration = _first(resource.inputs.get("versioningConfiguration")) or {}
    return [Fact("versioning", text(configuration.get("status")))]


def _bucket_encryption(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    facts = []
    for rule in resource.inputs.get("rules") or []:
        default = _first(rule.get("applyServerSideEncryptionByDefault")) or {}
        key = default.get("kmsMasterKeyId")
        with_key = key_text(key) if key is not None else "the S3 managed key"
        facts.append(Fact("default encryption", f"{text(default.get('sseAlgorithm'))} with {with_key}"))
        facts.append(Fact("bucket key", switch(rule.get("bucketKeyEnabled"))))
    return facts or [Fact("default encryption", NOT_SET)]


def _public_access_block(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    on = [flag for flag in flags if inputs.get(flag) is True]
    return [Fact("public access blocks on", f"{len(on)} of {len(flags)}")]


def _trail(resource: BuiltResource, _: RunIndex) -> list[Fact]:
    inputs = resource.inputs
    return [
        Fact("logging", switch(inputs.get("enableLogging"), absent="on")),
        Fact("log file validation", switch(inputs.get("enableLogFileValidation"))),
        Fact("encrypted with", key_text(inputs.get("kmsKeyId"))),
        Fact("all regions", switch(inputs.get("isMultiRegionTrail"))),
    ]


# The resource types as the pack names them: the report reads what the pack judges.
LB_TYPES = edge_rules.LOAD_BALANCERS
LISTENER_TYPES = edge_rules.LISTENERS
RDS_INSTANCE = (rds_rules.RDS_INSTANCE,)
DATABASE = "toms:database:EncryptedDatabase"
SERVICE = "toms:service:SelfHealingService"
EDGE = "toms:edge:TlsLoadBalancer"
ARCHIVE = "toms:logging:LogArchive"
TRAIL = "toms:logging:AuditTrail"
NETWORK = "toms:network:Network"
KEYS = "toms:keys:ClientKey"
# The components that put their resources behind security groups of their own.
GUARDED_COMPONENTS = f"{EDGE}, {SERVICE} and {DATABASE}"


def _aspects(*aspects: Aspect) -> dict[str, Aspect]:
    return {aspect.id: aspect for aspect in aspects}


ASPECTS: dict[str, Aspect] = _aspects(
    Aspect("provider", "AWS provider of the stack", ("pulumi:providers:aws",), "the program", _provider),
    Aspect("key", "Client KMS key", (kms_rules.KMS_KEY,), KEYS, _kms_key),
    Aspect("network", "VPC", ("aws:ec2/vpc:Vpc",), NETWORK, _network),
    Aspect("network-zones", "VPC zones", ("aws:ec2/vpc:Vpc",), NETWORK, _network_zones),
    Aspect("network-exposure", "VPC exposure", ("aws:ec2/vpc:Vpc",), NETWORK, _network_exposure),
    Aspect(
        "security-groups",
        "Security groups",
        (network_rules.SECURITY_GROUP,),
        GUARDED_COMPONENTS,
        _security_group,
    ),
    Aspect(
        "ingress-rules",
        "Security group ingress rules",
        (
            network_rules.VPC_INGRESS_RULE,
            "aws:ec2/vpcSecurityGroupIngressRule:VpcSecurityGroupIngressRule",
        ),
        GUARDED_COMPONENTS,
        _ingress_rule,
    ),
    Aspect("db-encryption", "Database encryption", RDS_INSTANCE, DATABASE, _rds_encryption),
    Aspect("db-availability", "Database availability", RDS_INSTANCE, DATABASE, _rds_availability),
    Aspect("db-backups", "Database backups", RDS_INSTANCE, DATABASE, _rds_backups),
    Aspect("db-exposure", "Database exposure", RDS_INSTANCE, DATABASE, _rds_exposure),
    Aspect("db-authentication", "Database authentication", RDS_INSTANCE, DATABASE, _rds_authentication),
    Aspect("db-logs", "Database logs", RDS_INSTANCE, DATABASE, _rds_logs),
    Aspect(
        "db-parameters",
        "Database parameter group",
        (stack_rules.PARAMETER_GROUP,),
        DATABASE,
        _parameter_group,
    ),
    Aspect("load-balancer", "Load balancer", LB_TYPES, EDGE, _load_balancer),
    Aspect("load-balancer-logs", "Load balancer logs", LB_TYPES, EDGE, _load_balancer_logs),
    Aspect("listeners", "Load balancer listeners", LISTENER_TYPES, EDGE, _listener),
    Aspect("service", "Container service", (ecs_rules.ECS_SERVICE,), SERVICE, _ecs_service),
    Aspect(
        "service-exposure", "Container service exposure", (ecs_rules.ECS_SERVICE,), SERVICE, _ecs_exposure
    ),
    Aspect(
        "autoscaling", "Service autoscaling", ("aws:appautoscaling/target:Target",), SERVICE, _autoscaling
    ),
    Aspect(
        "task",
        "Container task definition",
        (ecs_rules.ECS_TASK_DEFINITION,),
        SERVICE,
        _task_definition,
    ),
    Aspect("log-groups", "CloudWatch log groups", (logs_rules.LOG_GROUP,), ARCHIVE, _log_group),
    Aspect(
        "log-group-encryption",
        "CloudWatch log group encryption",
        (logs_rules.LOG_GROUP,),
        ARCHIVE,
        _log_group_encryption,
    ),
    Aspect(
        "log-export",
        "Log export (subscription filters)",
        (stack_rules.SUBSCRIPTION_FILTER,),
        ARCHIVE,
        _subscription,
    ),
    Aspect("archive-buckets", "S3 buckets", s3_rules.BUCKETS, ARCHIVE, _bucket),
    Aspect(
        "archive-lock",
        "Archive Object Lock",
        s3_rules.OBJECT_LOCK,
        ARCHIVE,
        _object_lock,
    ),
    Aspect(
        "archive-lifecycle",
        "Archive lifecycle (expiry)",
        s3_rules.LIFECYCLE,
        ARCHIVE,
        _lifecycle,
    ),
    Aspect(
        "archive-versioning",
        "Bucket versioning",
        s3_rules.VERSIONING,
        ARCHIVE,
        _versioning,
    ),
    Aspect(
        "archive-encryption",
        "Bucket encryption",
        s3_rules.ENCRYPTION,
        ARCHIVE,
        _bucket_encryption,
    ),
    Aspect(
        "archive-public-access",
        "Bucket public access block",
        s3_rules.PUBLIC_ACCESS_BLOCK,
        ARCHIVE,
        _public_access_block,
    ),
    Aspect("trail", "CloudTrail trail", (logs_rules.CLOUDTRAIL,), TRAIL, _trail),
)

# Which aspects show how each technical measure is implemented, in the order the report lists them.
# Which aspects show how each technical measure is implemented, in the order the report lists them. An aspect
# shows only the settings that bear on the measures it is listed under, and no aspect is listed under more
# than two measures (tests/toms/report/test_values.py).
MEASURE_ASPECTS: dict[str, tuple[str, ...]] = {
    "encryption": ("key", "db-encryption", "db-parameters"),
    "ongoing-security": ("network", "security-groups", "ingress-rules"),
    "server-access": (
        "network-exposure",
        "db-exposure",
        "service-exposure",
        "security-groups",
        "ingress-rules",
    ),
    "change-review": ("trail",),
    "resilience": ("network-zones", "service", "autoscaling", "task", "db-availability"),
    "restore": ("db-backups",),
    "identification": ("db-authentication",),
    "transmission": ("listeners", "load-balancer", "db-parameters"),
    "storage": ("key", "db-encryption", "log-group-encryption", "archive-encryption", "archive-buckets"),
    "logging": (
        "log-groups",
        "log-export",
        "archive-lock",
        "archive-versioning",
        "archive-public-access",
        "trail",
        "load-balancer-logs",
        "db-logs",
    ),
    "configuration": ("provider",),
    "retention": ("log-groups", "archive-lifecycle", "archive-lock", "db-backups"),
}


def _resource_facts(aspect: Aspect, index: RunIndex) -> Iterator[ResourceFacts]:
    for resource in index.of_types(aspect.types):
        yield ResourceFacts(
            type=resource.type,
            name=resource.name,
            component=index.component_of(resource),
            facts=tuple(aspect.extract(resource, index)),
        )


def measure_facts(resources: Sequence[BuiltResource], region: str) -> dict[str, MeasureFacts]:
    """For every measure of the catalogue: its components as built (or not) and its aspects' values."""
    index = RunIndex(resources, region)
    result: dict[str, MeasureFacts] = {}
    for measure in catalogue.MEASURES:
        components = tuple(
            ComponentPresence(token, tuple(resource.name for resource in index.of_types((token,))))
            for token in measure.components
        )
        aspects = tuple(
            AspectFacts(ASPECTS[aspect_id], tuple(_resource_facts(ASPECTS[aspect_id], index)))
            for aspect_id in MEASURE_ASPECTS.get(measure.id, ())
        )
        result[measure.id] = MeasureFacts(measure, components, aspects)
    return result


def database_identifiers(resources: Iterable[BuiltResource]) -> tuple[str, ...]:
    """The RDS identifiers the program sets itself (a drill's source must be one of them)."""
    return tuple(
        resource.inputs["identifier"]
        for resource in resources
        if resource.type == RDS_INSTANCE[0] and isinstance(resource.inputs.get("identifier"), str)
    )
