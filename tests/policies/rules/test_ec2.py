"""EC2 instances, volumes and launch templates: each rule's case table (see `tests/policies/casetable.py`)."""

from __future__ import annotations

from tests.policies.casetable import (
    Case,
    compliant,
    malformed,
    test_case_in_process,
    test_case_over_protocol,
    unknown,
    violating,
)
from tests.policies.samples import DELETE, resource
from toms.offline.analyzer_client import UNKNOWN

__all__ = ["CASES", "test_case_in_process", "test_case_over_protocol"]

EC2 = "aws:ec2/instance:Instance"
VOLUME = "aws:ebs/volume:Volume"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

CASES: dict[str, list[Case]] = {
    "ec2-approved-ami": [
        violating(resource(EC2, ami="ami-00000000000000000"), "not an approved AMI"),
        violating(resource(TEMPLATE, imageId="ami-00000000000000000"), "not an approved AMI"),
        violating(
            resource(TEMPLATE, imageId="resolve:ssm:/aws/service/eks/optimized-ami/1.31/amazon-linux-2023"),
            "an SSM parameter names whatever image",
        ),
        compliant(resource(EC2)),
        compliant(resource(TEMPLATE)),
        malformed(resource(TEMPLATE, imageId=["ami-0123456789abcdef0"]), "not an approved AMI"),
        unknown(resource(TEMPLATE, imageId=UNKNOWN), "imageId"),
    ],
    "ec2-imdsv2": [
        violating(resource(EC2, metadataOptions__httpTokens="optional"), 'httpTokens is "optional"'),
        violating(resource(TEMPLATE, metadataOptions__httpTokens="optional"), 'httpTokens is "optional"'),
        violating(resource(TEMPLATE, metadataOptions=DELETE), "the AMI's or the account's default"),
        compliant(resource(EC2)),
        compliant(resource(TEMPLATE)),
        malformed(resource(TEMPLATE, metadataOptions="required"), "httpTokens is not set"),
        unknown(resource(TEMPLATE, metadataOptions__httpTokens=UNKNOWN), "metadataOptions.httpTokens"),
    ],
    "ec2-no-public-ip": [
        violating(resource(EC2, associatePublicIpAddress=True), "associatePublicIpAddress is true"),
        violating(
            resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress="true"),
            'networkInterfaces[0].associatePublicIpAddress is "true"',
        ),
        violating(
            resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress=True),
            "networkInterfaces[0].associatePublicIpAddress is true",
        ),
        compliant(resource(EC2)),
        compliant(resource(TEMPLATE)),
        malformed(
            resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress="yes"),
            'networkInterfaces[0].associatePublicIpAddress is "yes", expected "true" or "false"',
        ),
        malformed(
            resource(TEMPLATE, networkInterfaces={"deviceIndex": 0}), "expected a list of network interfaces"
        ),
        malformed(resource(TEMPLATE, networkInterfaces=["eth0"]), "expected a network interface"),
        unknown(resource(TEMPLATE, networkInterfaces=UNKNOWN), "networkInterfaces"),
        unknown(
            resource(TEMPLATE, networkInterfaces__0__associatePublicIpAddress=UNKNOWN),
            "networkInterfaces[0].associatePublicIpAddress",
        ),
        violating(
            resource(
                TEMPLATE, networkInterfaces=[UNKNOWN, {"deviceIndex": 1, "associatePublicIpAddress": "true"}]
            ),
            'networkInterfaces[1].associatePublicIpAddress is "true"',
            label="beside-unknown",
        ),
        unknown(
            resource(
                TEMPLATE, networkInterfaces=[{"deviceIndex": 0, "associatePublicIpAddress": "false"}, UNKNOWN]
            ),
            "networkInterfaces[1]",
            label="one-interface",
        ),
    ],
    "ec2-encrypted-volumes": [
        violating(resource(EC2, ebsBlockDevices__0__encrypted=False), "ebsBlockDevices[0].encrypted"),
        violating(resource(VOLUME, encrypted=DELETE), "encrypted is not set"),
        violating(
            resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted="false"),
            'blockDeviceMappings[0].ebs.encrypted is "false"',
        ),
        violating(
            resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted=DELETE),
            "blockDeviceMappings[0].ebs.encrypted is not set",
        ),
        violating(
            resource(TEMPLATE, blockDeviceMappings=[{"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}]),
            "maps no EBS volume",
        ),
        compliant(resource(VOLUME)),
        compliant(resource(EC2)),
        compliant(resource(TEMPLATE)),
        malformed(
            resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted=1),
            'blockDeviceMappings[0].ebs.encrypted is 1, expected "true" or "false"',
        ),
        malformed(
            resource(TEMPLATE, blockDeviceMappings__0__ebs="encrypted"),
            'blockDeviceMappings[0].ebs is "encrypted", expected an object',
        ),
        malformed(
            resource(TEMPLATE, blockDeviceMappings="/dev/xvda"), "expected a list of block device mappings"
        ),
        unknown(
            resource(TEMPLATE, blockDeviceMappings__0__ebs__encrypted=UNKNOWN),
            "blockDeviceMappings[0].ebs.encrypted",
        ),
        unknown(
            resource(
                TEMPLATE, blockDeviceMappings=[UNKNOWN, {"deviceName": "/dev/sdb", "virtualName": "eph0"}]
            ),
            "blockDeviceMappings[0]",
        ),
        unknown(resource(EC2, ebsBlockDevices=UNKNOWN), "ebsBlockDevices", label="devices"),
        violating(
            resource(EC2, ebsBlockDevices=[UNKNOWN, {"deviceName": "/dev/sdg", "encrypted": False}]),
            "ebsBlockDevices[1].encrypted is false",
            label="beside-unknown",
        ),
        unknown(
            resource(EC2, ebsBlockDevices=[{"deviceName": "/dev/sdf", "encrypted": True}, UNKNOWN]),
            "ebsBlockDevices[1]",
            label="one-device",
        ),
        malformed(
            resource(EC2, ebsBlockDevices="/dev/sdf"), "expected a list of block devices", label="devices"
        ),
        violating(
            resource(
                TEMPLATE,
                blockDeviceMappings=[UNKNOWN, {"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}],
            ),
            'blockDeviceMappings[1].ebs.encrypted is "false"',
            label="mapping-beside-unknown",
        ),
        unknown(resource(TEMPLATE, blockDeviceMappings=UNKNOWN), "blockDeviceMappings", label="mappings"),
    ],
}
