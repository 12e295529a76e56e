import json

import pulumi
import pulumi_aws as aws

assume = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
    ],
}
role = aws.iam.Role("role", assume_role_policy=json.dumps(assume))
aws.iam.RolePolicyAttachment(
    "logs", role=role, policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)
fn = aws.lambda_.Function(
    "fn",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.AssetArchive(
        {"index.py": pulumi.StringAsset("def handler(event, context):\n    return 1\n")}
    ),
)
aws.lambda_.Permission("invoke", action="lambda:InvokeFunction", function=fn, principal="s3.amazonaws.com")
# Judged by a stack policy only (s3-encryption), and a type reviewed as harmless, which no policy judges.
bucket = aws.s3.Bucket("data")
aws.s3.BucketServerSideEncryptionConfiguration(
    "data",
    bucket=bucket.bucket,
    rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
)
aws.kms.Alias("key", name="alias/data", target_key_id="0f2c6a8e-4b1d-4c3e-9a57-2d8e1f6b9c01")
# A resource of a provider the pack has no rules for.
pulumi.CustomResource("acme:index:Widget", "widget", {"size": 1})
pulumi.export("function", fn.id)
