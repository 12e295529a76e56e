import pulumi
import pulumi_aws as aws

vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[{"name": "vpc-id", "values": [vpc.id]}])
zone = aws.route53.get_zone(name="example.com")
key = aws.kms.get_alias(name="alias/app")

group = aws.ec2.SecurityGroup("app", vpc_id=vpc.id, description="app")
aws.ec2.Instance(
    "server",
    ami="ami-0123456789abcdef0",
    instance_type="t3.micro",
    subnet_id=subnets.ids[0],
    vpc_security_group_ids=[group.id],
)
aws.route53.Record("www", zone_id=zone.zone_id, name="www.example.com", type="CNAME", ttl=300, records=["x"])
aws.sns.Topic("events", kms_master_key_id=key.target_key_arn)
pulumi.export("subnet", subnets.ids[0])
