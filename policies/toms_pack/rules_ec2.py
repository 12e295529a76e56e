"""EC2 instances, for other programs teams run with this pack: approved images, IMDSv2, private, encrypted."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from .rulekit import (
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    as_list,
    describe,
    forbid_true,
    lookup,
    resource_rule,
)

EC2_INSTANCE = "aws:ec2/instance:Instance"
EBS_VOLUME = "aws:ebs/volume:Volume"


@resource_rule(
    "ec2-approved-ami",
    "EC2 instances boot only from approved, preconfigured AMIs.",
    Severity.HIGH,
    "Use an AMI listed in approvedAmis of the pack config (or add the hardened AMI there).",
    (EC2_INSTANCE,),
    properties={
        "approvedAmis": {
            "type": "array",
            "items": {"type": "string", "pattern": "^ami-[0-9a-f]{8,17}$"},
            "default": [],
        }
    },
)
def approved_ami(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    ami = resource.get("ami")
    approved = settings.strings("approvedAmis")
    if ami is UNKNOWN:
        yield Unverifiable("ami")
    elif ami not in approved:
        listed = ", ".join(approved) if approved else "none are approved yet"
        yield Violation(f"ami {describe(ami)} is not an approved AMI ({listed})")


@resource_rule(
    "ec2-imdsv2",
    "EC2 instances require IMDSv2 session tokens.",
    Severity.HIGH,
    "Set metadataOptions: {httpTokens: required}.",
    (EC2_INSTANCE,),
)
def imdsv2(resource: Resource, _: Settings) -> Iterator[Outcome]:
    tokens = resource.get("metadataOptions", "httpTokens")
    if tokens is UNKNOWN:
        yield Unverifiable("metadataOptions.httpTokens")
    elif tokens != "required":
        yield Violation(f"metadataOptions.httpTokens is {describe(tokens)}: set it to 'required'")


@resource_rule(
    "ec2-no-public-ip",
    "EC2 instances get no public IP address.",
    Severity.HIGH,
    "Set associatePublicIpAddress: false and use private subnets.",
    (EC2_INSTANCE,),
)
def no_public_ip(resource: Resource, _: Settings) -> Iterator[Outcome]:
    yield from forbid_true(resource, "associatePublicIpAddress", "set associatePublicIpAddress: false")


@resource_rule(
    "ec2-encrypted-volumes",
    "Every EC2 volume is encrypted.",
    Severity.HIGH,
    "Set encrypted: true on rootBlockDevice, every ebsBlockDevices entry and every EBS volume.",
    (EC2_INSTANCE, EBS_VOLUME),
)
def encrypted_volumes(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == EBS_VOLUME:
        value = resource.get("encrypted")
        if value is UNKNOWN:
            yield Unverifiable("encrypted")
        elif value is not True:
            yield Violation(f"encrypted is {describe(value)}: set it to true")
        return
    root = resource.get("rootBlockDevice", "encrypted")
    if root is UNKNOWN:
        yield Unverifiable("rootBlockDevice.encrypted")
    elif root is not True:
        yield Violation(f"rootBlockDevice.encrypted is {describe(root)}: set rootBlockDevice.encrypted: true")
    devices = resource.get("ebsBlockDevices")
    if devices is UNKNOWN:
        yield Unverifiable("ebsBlockDevices")
        return
    listed = as_list(devices)
    if listed is None:
        yield Violation(f"ebsBlockDevices is {describe(devices)}, expected a list")
        return
    for index, device in enumerate(listed):
        encrypted = lookup(device, "encrypted")
        if encrypted is UNKNOWN:
            yield Unverifiable(f"ebsBlockDevices[{index}].encrypted")
        elif encrypted is not True:
            yield Violation(f"ebsBlockDevices[{index}].encrypted is {describe(encrypted)}: set it to true")


RULES = (approved_ami, imdsv2, no_public_ip, encrypted_volumes)
