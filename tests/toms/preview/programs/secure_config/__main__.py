import pulumi
import pulumi_aws as aws

password = pulumi.Config().require_secret("dbPassword")
aws.ssm.Parameter("db-password", type="SecureString", value=password)
