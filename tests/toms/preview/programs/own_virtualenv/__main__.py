import pulumi
import pulumi_aws as aws
from program_helpers import topic_name

aws.sns.Topic("events", name=topic_name("orders"))
pulumi.export("interpreter", __import__("sys").executable)
