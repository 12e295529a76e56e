import pulumi
import pulumi_aws as aws

config = pulumi.Config()
name = config.require("topicName")
retention = config.require_int("retentionDays")
token = config.require_secret("apiToken")
aws.cloudwatch.LogGroup("app", name=name, retention_in_days=retention)
aws.ssm.Parameter("token", type="SecureString", value=token)
