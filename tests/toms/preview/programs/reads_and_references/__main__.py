import json

import pulumi
import pulumi_aws as aws

logs = aws.s3.BucketV2.get("logs", "acme-central-logs")
network = pulumi.StackReference("acme/network/prod")
group = aws.ec2.SecurityGroup("app", vpc_id=network.get_output("vpcId"), description="app")
aws.sns.Topic(
    "events",
    policy=logs.arn.apply(
        lambda arn: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": arn}],
            }
        )
    ),
)
