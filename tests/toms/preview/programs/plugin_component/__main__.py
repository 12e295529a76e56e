import pulumi


class Vpc(pulumi.ComponentResource):
    """What `awsx.ec2.Vpc` is in its SDK: a component whose children the awsx plugin creates."""

    def __init__(self, name: str) -> None:
        super().__init__("awsx:ec2:Vpc", name, {"cidrBlock": "10.0.0.0/16", "vpcId": None}, None, remote=True)


vpc = Vpc("network")
