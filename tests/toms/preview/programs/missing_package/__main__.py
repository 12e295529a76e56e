import pulumi_aws as aws
import pulumi_random as random

password = random.RandomPassword("db", length=24)
aws.ssm.Parameter("db", type="SecureString", value=password.result)
