"""The mocks of an offline run: what Pulumi's mock runtime answers for resources and provider functions.

Outputs are shaped like AWS's, derived deterministically from each resource's URN, region and account.
With `preview=True` only the inputs come back, so every value the cloud decides stays unknown, as in
`pulumi preview`.
"""

from __future__ import annotations

import uuid
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks

from toms.offline.invoke_answers import AwsPlace, NoInvokeAnswer, answer_invoke, digest


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


class AwsLikeMocks(pulumi_mocks.Mocks):
    """Outputs shaped like AWS's, derived deterministically from each resource's URN."""

    def __init__(self, region: str, account: str, preview: bool, partition: str = "aws") -> None:
        self.region = region
        self.account = account
        self.preview = preview
        self.partition = partition

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        place = AwsPlace(region=self.region, account=self.account, partition=self.partition)
        try:
            return answer_invoke(args.token, args.args, place), []
        except NoInvokeAnswer as error:
            raise InvokeError(str(error)) from None

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return ("" if self.preview else digest(args.name, args.typ)[:32]), inputs
        if self.preview:
            # A real preview knows the inputs only; ids, ARNs and endpoints stay unknown.
            return None, inputs
        return self._created(args.typ, args.name, inputs)

    def _created(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        hashed = digest(typ, name)
        arn_prefix = f"arn:{self.partition}"
        region, account = self.region, self.account
        physical_name = inputs.get("name") or f"{name}-{hashed[:7]}"
        resource_id = EC2_ID_PREFIXES.get(typ, "") + hashed[:17] if typ in EC2_ID_PREFIXES else physical_name
        # Auto-named resources get the name Pulumi would generate; types without a name ignore it.
        outputs: dict[str, Any] = {"name": physical_name, **inputs, "id": resource_id}
        module = typ.split(":")[1].split("/")[0]

        if typ == "aws:kms/key:Key":
            key_id = str(uuid.UUID(hashed[:32]))
            outputs.update(keyId=key_id, arn=f"{arn_prefix}:kms:{region}:{account}:key/{key_id}")
            resource_id = key_id
        elif typ == "aws:kms/alias:Alias":
            outputs.update(arn=f"{arn_prefix}:kms:{region}:{account}:{physical_name}", name=physical_name)
        elif typ == "aws:cloudwatch/logGroup:LogGroup":
            outputs.update(
                name=physical_name,
                arn=f"{arn_prefix}:logs:{region}:{account}:log-group:{physical_name}",
            )
        elif typ.startswith("aws:iam/"):
            kind = typ.split(":")[-1].lower()
            outputs.update(name=physical_name, arn=f"{arn_prefix}:iam::{account}:{kind}/{physical_name}")
            if typ == "aws:iam/role:Role":
                outputs["uniqueId"] = "AROA" + hashed[:17].upper()
        elif typ == "aws:s3/bucket:Bucket":
            bucket = inputs.get("bucket") or f"{name}-{hashed[:12]}"
            resource_id = bucket
            outputs.update(
                id=bucket,
                bucket=bucket,
                arn=f"{arn_prefix}:s3:::{bucket}",
                bucketDomainName=f"{bucket}.s3.amazonaws.com",
                bucketRegionalDomainName=f"{bucket}.s3.{region}.amazonaws.com",
                region=region,
            )
        elif typ in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
            short_name = physical_name[:32]
            suffix = f"app/{short_name}/{hashed[:16]}"
            arn = f"{arn_prefix}:elasticloadbalancing:{region}:{account}:loadbalancer/{suffix}"
            resource_id = arn
            outputs.update(
                name=short_name,
                arn=arn,
                arnSuffix=suffix,
                dnsName=f"{short_name}-{int(hashed[:8], 16)}.{region}.elb.amazonaws.com",
                zoneId="Z32O12XQLNTSW2",
            )
        elif typ in ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"):
            short_name = physical_name[:32]
            suffix = f"targetgroup/{short_name}/{hashed[:16]}"
            arn = f"{arn_prefix}:elasticloadbalancing:{region}:{account}:{suffix}"
            resource_id = arn
            outputs.update(name=short_name, arn=arn, arnSuffix=suffix)
        elif typ in ("aws:lb/listener:Listener", "aws:alb/listener:Listener"):
            listener = f"listener/app/{name}/{hashed[:16]}/{hashed[16:32]}"
            arn = f"{arn_prefix}:elasticloadbalancing:{region}:{account}:{listener}"
            resource_id = arn
            outputs.update(arn=arn)
        elif typ == "aws:rds/instance:Instance":
            identifier = inputs.get("identifier") or f"{name}-{hashed[:7]}"
            address = f"{identifier}.{hashed[:12]}.{region}.rds.amazonaws.com"
            port = int(inputs.get("port") or 5432)
            resource_id = identifier
            outputs.update(
                identifier=identifier,
                arn=f"{arn_prefix}:rds:{region}:{account}:db:{identifier}",
                address=address,
                endpoint=f"{address}:{port}",
                port=port,
                resourceId="db-" + hashed[:26].upper(),
                masterUserSecrets=[
                    {
                        "secretArn": (
                            f"{arn_prefix}:secretsmanager:{region}:{account}:secret:rds!db-{hashed[:8]}-{hashed[8:14]}"
                        ),
                        "kmsKeyId": inputs.get("masterUserSecretKmsKeyId"),
                        "secretStatus": "active",
                    }
                ]
                if inputs.get("manageMasterUserPassword")
                else [],
            )
        elif typ.startswith("aws:ecs/"):
            kind = typ.split(":")[-1]
            kind = {"TaskDefinition": "task-definition", "Cluster": "cluster", "Service": "service"}.get(
                kind, kind.lower()
            )
            revision = 1
            suffix = f"{physical_name}:{revision}" if kind == "task-definition" else physical_name
            arn = f"{arn_prefix}:ecs:{region}:{account}:{kind}/{suffix}"
            outputs.update(arn=arn, name=physical_name)
            if kind == "task-definition":
                outputs.update(revision=revision, arnWithoutRevision=arn.rsplit(":", 1)[0])
            if kind in ("cluster", "task-definition"):
                resource_id = arn
        elif typ == "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
            arn = f"{arn_prefix}:firehose:{region}:{account}:deliverystream/{physical_name}"
            resource_id = arn
            outputs.update(name=physical_name, arn=arn)
        elif typ == "aws:cloudtrail/trail:Trail":
            arn = f"{arn_prefix}:cloudtrail:{region}:{account}:trail/{physical_name}"
            resource_id = arn
            outputs.update(name=physical_name, arn=arn, homeRegion=region)
        elif typ == "aws:secretsmanager/secret:Secret":
            arn = f"{arn_prefix}:secretsmanager:{region}:{account}:secret:{physical_name}-{hashed[:6]}"
            resource_id = arn
            outputs.update(name=physical_name, arn=arn)
        elif typ == "aws:ssm/parameter:Parameter":
            # The parameter's name starts with "/", which its ARN does not repeat.
            outputs.update(arn=f"{arn_prefix}:ssm:{region}:{account}:parameter/{physical_name.lstrip('/')}")
        elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            outputs.update(arn=f"{arn_prefix}:cloudwatch:{region}:{account}:alarm:{physical_name}")
        elif typ == "aws:wafv2/webAcl:WebAcl":
            web_acl_id = str(uuid.UUID(hashed[:32]))
            arn = f"{arn_prefix}:wafv2:{region}:{account}:regional/webacl/{physical_name}/{web_acl_id}"
            resource_id = web_acl_id
            outputs.update(arn=arn)
        elif typ == "aws:ec2/eip:Eip":
            outputs.update(allocationId=resource_id, publicIp=f"203.0.113.{int(hashed[:2], 16) % 250 + 1}")
        elif typ == "aws:ec2/securityGroup:SecurityGroup":
            outputs.update(
                arn=f"{arn_prefix}:ec2:{region}:{account}:security-group/{resource_id}",
                name=physical_name,
            )
        elif module == "ec2":
            kind = typ.split(":")[-1].lower()
            outputs.update(arn=f"{arn_prefix}:ec2:{region}:{account}:{kind}/{resource_id}")
        else:
            outputs.setdefault("arn", f"{arn_prefix}:{module}:{region}:{account}:{physical_name}")
        outputs["id"] = resource_id
        return resource_id, outputs
