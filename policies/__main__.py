"""The toms CrossGuard policy pack. The Pulumi engine runs it as `python -m pulumi.policy <engine> .` from
this folder; constructing `PolicyPack` starts the analyzer server and prints its port."""

from pulumi_policy import EnforcementLevel, PolicyPack
from toms_pack.pack import PACK_DESCRIPTION, PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    policies=policies(),
    enforcement_level=EnforcementLevel.MANDATORY,
    description=PACK_DESCRIPTION,
)
