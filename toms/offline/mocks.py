"""The mocks of an offline run: what Pulumi's mock runtime answers for resources and provider functions.

Outputs are shaped like AWS's, derived deterministically from each resource's URN, region and account:
`CREATED_OUTPUTS` says, per resource type (or type prefix), what a created resource adds to its inputs.
With `preview=True` only the inputs come back, so every value the cloud decides stays unknown, as in
`pulumi preview`. A read (`Resource.get`) answers with the resource as if it existed; a StackReference
answers with the outputs it was given, else unknown ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks

from .invoke_answers import AwsPlace, NoInvokeAnswer, answer_invoke, digest

STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
# The value the engine sends for what a preview cannot know (pulumi.runtime.rpc.UNKNOWN).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# Where an invoke's answer came from, as the report says it.
ANSWER_KNOWN = "computed"  # what AWS answers for the stack's place (invoke_answers.py)
ANSWER_GIVEN = "given"  # --invoke-answers
ANSWER_PLACEHOLDER = "placeholder"  # built from the SDK's result type; the values are made up


class InvokeError(Exception):
    """A provider function the offline run cannot answer."""


# Id prefixes AWS uses for EC2 objects, so ids in outputs and evidence look like the real ones.
EC2_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:ec2/instance:Instance": "i-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}


@dataclass(frozen=True)
class Created:
    """A resource being created under mocks: what its outputs are derived from."""

    typ: str
    name: str
    inputs: Mapping[str, Any]
    place: AwsPlace
    hashed: str
    physical_name: str
    default_id: str
    # The id a read (`Resource.get`) asked for; None for a resource the program creates.
    read_id: str | None = None

    @property
    def arn_prefix(self) -> str:
        return f"arn:{self.place.partition}"

    @property
    def regional(self) -> str:
        """`<region>:<account>`, the middle of a regional ARN."""
        return f"{self.place.region}:{self.place.account}"

    @property
    def kind(self) -> str:
        return self.typ.split(":")[-1]


# What a created resource adds to its inputs: extra outputs, and "id" when its id is not its name.
OutputRule = Callable[[Created], dict[str, Any]]


def _kms_key(c: Created) -> dict[str, Any]:
    key_id = str(uuid.UUID(c.hashed[:32]))
    return {"id": key_id, "keyId": key_id, "arn": f"{c.arn_prefix}:kms:{c.regional}:key/{key_id}"}


def _bucket(c: Created) -> dict[str, Any]:
    bucket = c.inputs.get("bucket") or c.read_id or f"{c.name}-{c.hashed[:12]}"
    return {
        "id": bucket,
        "bucket": bucket,
        "arn": f"{c.arn_prefix}:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{c.place.region}.amazonaws.com",
        "region": c.place.region,
    }


def _load_balancer(c: Created) -> dict[str, Any]:
    short_name = c.physical_name[:32]
    suffix = f"app/{short_name}/{c.hashed[:16]}"
    arn = f"{c.arn_prefix}:elasticloadbalancing:{c.regional}:loadbalancer/{suffix}"
    return {
        "id": arn,
        "name": short_name,
        "arn": arn,
        "arnSuffix": suffix,
        "dnsName": f"{short_name}-{int(c.hashed[:8], 16)}.{c.place.region}.elb.amazonaws.com",
        "zoneId": "Z32O12XQLNTSW2",
    }


def _target_group(c: Created) -> dict[str, Any]:
    short_name = c.physical_name[:32]
    suffix = f"targetgroup/{short_name}/{c.hashed[:16]}"
    arn = f"{c.arn_prefix}:elasticloadbalancing:{c.regional}:{suffix}"
    return {"id": arn, "name": short_name, "arn": arn, "arnSuffix": suffix}


def _listener(c: Created) -> dict[str, Any]:
    listener = f"listener/app/{c.name}/{c.hashed[:16]}/{c.hashed[16:32]}"
    arn = f"{c.arn_prefix}:elasticloadbalancing:{c.regional}:{listener}"
    return {"id": arn, "arn": arn}


def _database(c: Created) -> dict[str, Any]:
    identifier = c.inputs.get("identifier") or f"{c.name}-{c.hashed[:7]}"
    address = f"{identifier}.{c.hashed[:12]}.{c.place.region}.rds.amazonaws.com"
    port = int(c.inputs.get("port") or 5432)
    secret = f"{c.arn_prefix}:secretsmanager:{c.regional}:secret:rds!db-{c.hashed[:8]}-{c.hashed[8:14]}"
    managed = c.inputs.get("manageMasterUserPassword")
    return {
        "id": identifier,
        "identifier": identifier,
        "arn": f"{c.arn_prefix}:rds:{c.regional}:db:{identifier}",
        "address": address,
        "endpoint": f"{address}:{port}",
        "port": port,
        "resourceId": "db-" + c.hashed[:26].upper(),
        "masterUserSecrets": [
            {
                "secretArn": secret,
                "kmsKeyId": c.inputs.get("masterUserSecretKmsKeyId"),
                "secretStatus": "active",
            }
        ]
        if managed
        else [],
    }


ECS_KINDS = {"TaskDefinition": "task-definition", "Cluster": "cluster", "Service": "service"}


def _ecs(c: Created) -> dict[str, Any]:
    kind = ECS_KINDS.get(c.kind, c.kind.lower())
    revision = 1
    suffix = f"{c.physical_name}:{revision}" if kind == "task-definition" else c.physical_name
    arn = f"{c.arn_prefix}:ecs:{c.regional}:{kind}/{suffix}"
    outputs: dict[str, Any] = {"arn": arn, "name": c.physical_name}
    if kind == "task-definition":
        outputs.update(revision=revision, arnWithoutRevision=arn.rsplit(":", 1)[0])
    if kind in ("cluster", "task-definition"):
        outputs["id"] = arn
    return outputs


def _iam(c: Created) -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "name": c.physical_name,
        "arn": f"{c.arn_prefix}:iam::{c.place.account}:{c.kind.lower()}/{c.physical_name}",
    }
    if c.typ == "aws:iam/role:Role":
        outputs["uniqueId"] = "AROA" + c.hashed[:17].upper()
    return outputs


def _named_by_arn(service: str, path: str, suffix: str = "") -> OutputRule:
    """A resource whose id is its ARN `arn:<partition>:<service>:<region>:<account>:<path><name><suffix>`."""

    def outputs(c: Created) -> dict[str, Any]:
        arn = f"{c.arn_prefix}:{service}:{c.regional}:{path}{c.physical_name}{suffix.format(c=c)}"
        return {"id": arn, "name": c.physical_name, "arn": arn}

    return outputs


def _trail(c: Created) -> dict[str, Any]:
    return {**_named_by_arn("cloudtrail", "trail/")(c), "homeRegion": c.place.region}


def _eip(c: Created) -> dict[str, Any]:
    return {"allocationId": c.default_id, "publicIp": f"203.0.113.{int(c.hashed[:2], 16) % 250 + 1}"}


def _security_group(c: Created) -> dict[str, Any]:
    return {"arn": f"{c.arn_prefix}:ec2:{c.regional}:security-group/{c.default_id}", "name": c.physical_name}


def _ec2(c: Created) -> dict[str, Any]:
    return {"arn": f"{c.arn_prefix}:ec2:{c.regional}:{c.kind.lower()}/{c.default_id}"}


def _parameter(c: Created) -> dict[str, Any]:
    # A parameter's name starts with "/", which its ARN does not repeat.
    return {"arn": f"{c.arn_prefix}:ssm:{c.regional}:parameter/{c.physical_name.lstrip('/')}"}


def _web_acl(c: Created) -> dict[str, Any]:
    acl_id = str(uuid.UUID(c.hashed[:32]))
    return {
        "id": acl_id,
        "arn": f"{c.arn_prefix}:wafv2:{c.regional}:regional/webacl/{c.physical_name}/{acl_id}",
    }


def _service_arn(c: Created) -> dict[str, Any]:
    module = c.typ.split(":")[1].split("/")[0]
    return {"arn": c.inputs.get("arn") or f"{c.arn_prefix}:{module}:{c.regional}:{c.physical_name}"}


# Exact types first, then the first matching type prefix, then `_service_arn`.
CREATED_OUTPUTS: dict[str, OutputRule] = {
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": lambda c: {"arn": f"{c.arn_prefix}:kms:{c.regional}:{c.physical_name}"},
    "aws:cloudwatch/logGroup:LogGroup": lambda c: {
        "arn": f"{c.arn_prefix}:logs:{c.regional}:log-group:{c.physical_name}"
    },
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketV2:BucketV2": _bucket,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:alb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:alb/listener:Listener": _listener,
    "aws:rds/instance:Instance": _database,
    "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream": _named_by_arn("firehose", "deliverystream/"),
    "aws:cloudtrail/trail:Trail": _trail,
    "aws:secretsmanager/secret:Secret": _named_by_arn("secretsmanager", "secret:", "-{c.hashed[:6]}"),
    "aws:ec2/eip:Eip": _eip,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:cloudwatch/metricAlarm:MetricAlarm": lambda c: {
        "arn": f"{c.arn_prefix}:cloudwatch:{c.regional}:alarm:{c.physical_name}"
    },
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
}
CREATED_OUTPUTS_BY_PREFIX: tuple[tuple[str, OutputRule], ...] = (
    ("aws:iam/", _iam),
    ("aws:ecs/", _ecs),
    ("aws:ec2/", _ec2),
)


def output_rule(typ: str) -> OutputRule:
    if typ in CREATED_OUTPUTS:
        return CREATED_OUTPUTS[typ]
    return next((rule for prefix, rule in CREATED_OUTPUTS_BY_PREFIX if typ.startswith(prefix)), _service_arn)


def created_outputs(
    typ: str, name: str, inputs: Mapping[str, Any], place: AwsPlace, read_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The id and outputs of a resource once created (or read by `read_id`): its inputs, its name
    (Pulumi's auto-name when the program gives none) and what `output_rule(typ)` adds."""
    hashed = digest(typ, name)
    physical_name = inputs.get("name") or read_id or f"{name}-{hashed[:7]}"
    default_id = EC2_ID_PREFIXES[typ] + hashed[:17] if typ in EC2_ID_PREFIXES else physical_name
    created = Created(typ, name, inputs, place, hashed, physical_name, default_id, read_id)
    outputs: dict[str, Any] = {"name": physical_name, **inputs, "id": default_id}
    outputs.update(output_rule(typ)(created))
    return outputs["id"], outputs


class AwsLikeMocks(pulumi_mocks.Mocks):
    """Outputs shaped like AWS's, derived deterministically from each resource's URN.

    Provider functions answer from `given_answers` (token -> result, `--invoke-answers`) first, then
    what invoke_answers.py computes for the stack's place, then `placeholder` (a result built from the
    SDK's result type, or None); `invoked` records each token called and where its answer came from.
    """

    def __init__(
        self,
        place: AwsPlace,
        *,
        preview: bool,
        given_answers: Mapping[str, Mapping[str, Any]] | None = None,
        placeholder: Callable[[str, Mapping[str, Any], AwsPlace], dict[str, Any] | None] | None = None,
        stack_references: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.place = place
        self.preview = preview
        self.given_answers = given_answers or {}
        self.placeholder = placeholder
        self.stack_references = stack_references or {}
        self.invoked: dict[str, str] = {}

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        source, answer = self._answer(args.token, args.args)
        self.invoked.setdefault(args.token, source)
        return answer, []

    def _answer(self, token: str, arguments: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        given = self.given_answers.get(token)
        try:
            computed = answer_invoke(token, arguments, self.place)
        except NoInvokeAnswer as missing:
            placeholder = (
                self.placeholder(token, arguments, self.place) if self.placeholder is not None else None
            )
            if given is not None:
                return ANSWER_GIVEN, {**(placeholder or {}), **given}
            if placeholder is None:
                raise InvokeError(f"{missing}; give its result with --invoke-answers FILE") from None
            return ANSWER_PLACEHOLDER, placeholder
        if given is not None:
            return ANSWER_GIVEN, {**computed, **given}
        return ANSWER_KNOWN, computed

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        inputs = dict(args.inputs)
        if args.typ == STACK_REFERENCE_TYPE:
            return self._stack_reference(args.name, inputs)
        if args.resource_id:
            # A read of an existing resource (`Resource.get`): the engine reads it, in a preview too.
            _, outputs = created_outputs(args.typ, args.name, inputs, self.place, args.resource_id)
            return args.resource_id, {**outputs, "id": args.resource_id}
        if args.typ.startswith("pulumi:providers:"):
            return ("" if self.preview else digest(args.name, args.typ)[:32]), inputs
        if self.preview:
            # A real preview knows the inputs only; ids, ARNs and endpoints stay unknown, and the
            # engine sends the id of a resource yet to be created as "".
            return "", inputs
        return created_outputs(args.typ, args.name, inputs, self.place)

    def _stack_reference(self, name: str, inputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """A StackReference's outputs: the ones given for the stack, else unknown (another stack's
        outputs cannot be read offline)."""
        stack = str(inputs.get("name") or name)
        outputs = self.stack_references.get(stack)
        return stack, {
            "name": stack,
            "outputs": dict(outputs) if outputs is not None else UNKNOWN,
            "secretOutputNames": [],
        }
