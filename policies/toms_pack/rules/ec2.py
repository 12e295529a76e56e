"""EC2 instances and launch templates, for other programs teams run with this pack: approved images,
IMDSv2, private, encrypted.

A launch template (used by auto-scaling groups, EKS node groups, fleets) is judged like an instance, with
its own property names. Its booleans are strings in the provider schema (`"true"`, `"false"`, or unset to
leave the choice to AWS); a program may also send real booleans, so both are read. How an unset value is
judged, by rule:

- `imageId` unset: whoever launches from the template supplies the image (an EKS node group's AMI type,
  an instance's `ami`, a fleet override), so `ec2-approved-ami` has nothing to judge on the template; the
  instance rule still judges `ami`. `resolve:ssm:<parameter>` names whatever image the parameter holds at
  launch time, which no preview can see, so it is a violation.
- `metadataOptions.httpTokens` unset: the AMI's or the account's default applies, `optional` unless
  someone changed it, so it is a violation.
- `networkInterfaces[].associatePublicIpAddress` unset: the subnet decides, exactly as for an instance.
- `blockDeviceMappings[].ebs.encrypted` unset: the volume takes its encryption from the snapshot or the
  account default, which the pack cannot see, so it is a violation. A template that maps no EBS volume
  leaves the root volume to the AMI's mapping, a violation like an instance without
  `rootBlockDevice.encrypted`.

An auto-scaling group only points at a template (by id, name and version), so it carries nothing these
rules can judge on its own: the template is judged where it is declared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from ..kit import (
    MISSING,
    UNKNOWN,
    Outcome,
    Resource,
    Settings,
    Unverifiable,
    Violation,
    describe,
    forbid_true,
    list_items,
    lookup,
    resource_rule,
)

EC2_INSTANCE = "aws:ec2/instance:Instance"
EBS_VOLUME = "aws:ebs/volume:Volume"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"

# A launch template's image may be an SSM parameter, resolved only when an instance launches.
SSM_IMAGE_PREFIX = "resolve:ssm:"

_NOT_A_FLAG: Any = object()


def _template_flag(value: Any) -> Any:
    """A launch template boolean (`"true"`/`"false"` or a real boolean) as True or False.

    `MISSING` for unset or `""` (the provider's "leave it to AWS"), `UNKNOWN` as is, `_NOT_A_FLAG` for
    any other value.
    """
    if value is UNKNOWN or value is MISSING or isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "":
            return MISSING
        if text in {"true", "false"}:
            return text == "true"
    return _NOT_A_FLAG


@resource_rule(
    "ec2-approved-ami",
    "EC2 instances and launch templates boot only from approved, preconfigured AMIs.",
    Severity.HIGH,
    "Use an AMI listed in approvedAmis of the pack config (or add the hardened AMI there), as the instance's "
    "ami or the launch template's imageId.",
    (EC2_INSTANCE, LAUNCH_TEMPLATE),
    properties={
        "approvedAmis": {
            "type": "array",
            "items": {"type": "string", "pattern": "^ami-[0-9a-f]{8,17}$"},
            "default": [],
        }
    },
)
def approved_ami(resource: Resource, settings: Settings) -> Iterator[Outcome]:
    key = "imageId" if resource.type == LAUNCH_TEMPLATE else "ami"
    ami = resource.get(key)
    approved = settings.strings("approvedAmis")
    listed = ", ".join(approved) if approved else "none are approved yet"
    if ami is UNKNOWN:
        yield Unverifiable(key)
    elif ami is MISSING and resource.type == LAUNCH_TEMPLATE:
        return  # whoever launches from the template supplies the image; see the module docstring
    elif isinstance(ami, str) and ami.startswith(SSM_IMAGE_PREFIX):
        yield Violation(
            f"{key} is {describe(ami)}: an SSM parameter names whatever image it holds when an instance "
            f"launches, which the pack cannot check; set an approved AMI id ({listed})"
        )
    elif ami not in approved:
        yield Violation(f"{key} {describe(ami)} is not an approved AMI ({listed})")


@resource_rule(
    "ec2-imdsv2",
    "EC2 instances and launch templates require IMDSv2 session tokens.",
    Severity.HIGH,
    "Set metadataOptions: {httpTokens: required}.",
    (EC2_INSTANCE, LAUNCH_TEMPLATE),
)
def imdsv2(resource: Resource, _: Settings) -> Iterator[Outcome]:
    tokens = resource.get("metadataOptions", "httpTokens")
    if tokens is UNKNOWN:
        yield Unverifiable("metadataOptions.httpTokens")
    elif tokens is MISSING:
        yield Violation(
            "metadataOptions.httpTokens is not set, so the AMI's or the account's default applies "
            "('optional' unless changed): set it to 'required'"
        )
    elif tokens != "required":
        yield Violation(f"metadataOptions.httpTokens is {describe(tokens)}: set it to 'required'")


@resource_rule(
    "ec2-no-public-ip",
    "EC2 instances and launch templates give no public IP address.",
    Severity.HIGH,
    "Set associatePublicIpAddress: false (on every networkInterfaces entry of a launch template) and use "
    "private subnets.",
    (EC2_INSTANCE, LAUNCH_TEMPLATE),
)
def no_public_ip(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type != LAUNCH_TEMPLATE:
        yield from forbid_true(resource, "associatePublicIpAddress", "set associatePublicIpAddress: false")
        return
    yield from list_items(resource.get("networkInterfaces"), "networkInterfaces", "network interfaces").each(
        _interface_public
    )


def _interface_public(where: str, interface: Any) -> Iterator[Outcome]:
    if not isinstance(interface, Mapping):
        yield Violation(f"{where} is {describe(interface)}, expected a network interface object")
        return
    path = f"{where}.associatePublicIpAddress"
    raw = lookup(interface, "associatePublicIpAddress")
    public = _template_flag(raw)
    if public is UNKNOWN:
        yield Unverifiable(path)
    elif public is True:
        yield Violation(f'{path} is {describe(raw)}: set it to "false"')
    elif public is _NOT_A_FLAG:
        yield Violation(f'{path} is {describe(raw)}, expected "true" or "false": set it to "false"')


def _mapping_encrypted(where: str, mapping: Any) -> Iterator[Outcome]:
    if not isinstance(mapping, Mapping):
        yield Violation(f"{where} is {describe(mapping)}, expected a block device mapping object")
        return
    ebs = lookup(mapping, "ebs")
    path = f"{where}.ebs"
    if ebs is MISSING:
        return  # an instance-store (virtualName) or suppressed (noDevice) device: no EBS volume
    if ebs is UNKNOWN:
        yield Unverifiable(path)
        return
    if not isinstance(ebs, Mapping):
        yield Violation(f'{path} is {describe(ebs)}, expected an object with encrypted: "true"')
        return
    raw = lookup(ebs, "encrypted")
    encrypted = _template_flag(raw)
    if encrypted is UNKNOWN:
        yield Unverifiable(f"{path}.encrypted")
    elif encrypted is MISSING:
        yield Violation(
            f"{path}.encrypted is not set, so the volume takes the snapshot's or the account's default "
            'encryption, which the pack cannot see: set it to "true"'
        )
    elif encrypted is _NOT_A_FLAG:
        yield Violation(f'{path}.encrypted is {describe(raw)}, expected "true" or "false": set it to "true"')
    elif encrypted is False:
        yield Violation(f'{path}.encrypted is {describe(raw)}: set it to "true"')


def _template_volumes(resource: Resource) -> Iterator[Outcome]:
    mappings = list_items(resource.get("blockDeviceMappings"), "blockDeviceMappings", "block device mappings")
    yield from mappings.each(_mapping_encrypted)
    # An unknown mapping, or a whole unknown list, may map the EBS root volume.
    maps_ebs = mappings.any(lambda mapping: lookup(mapping, "ebs") is not MISSING)
    if maps_ebs is False:
        yield Violation(
            "blockDeviceMappings maps no EBS volume, so the root volume keeps the AMI's mapping and "
            'encryption: map the AMI\'s root device (e.g. /dev/xvda) with ebs: {encrypted: "true"}'
        )


@resource_rule(
    "ec2-encrypted-volumes",
    "Every EC2 volume is encrypted.",
    Severity.HIGH,
    "Set encrypted: true on rootBlockDevice, every ebsBlockDevices entry, every EBS volume and every "
    "ebs block of a launch template's blockDeviceMappings (which must map the root device).",
    (EC2_INSTANCE, EBS_VOLUME, LAUNCH_TEMPLATE),
)
def encrypted_volumes(resource: Resource, _: Settings) -> Iterator[Outcome]:
    if resource.type == LAUNCH_TEMPLATE:
        yield from _template_volumes(resource)
        return
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
    yield from list_items(resource.get("ebsBlockDevices"), "ebsBlockDevices", "block devices").each(
        _device_encrypted
    )


def _device_encrypted(where: str, device: Any) -> Iterator[Outcome]:
    encrypted = lookup(device, "encrypted")
    if encrypted is UNKNOWN:
        yield Unverifiable(f"{where}.encrypted")
    elif encrypted is not True:
        yield Violation(f"{where}.encrypted is {describe(encrypted)}: set it to true")
