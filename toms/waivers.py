"""A policy's waivers in a client's pack config, read through the pack's own settings code, so the report,
the audit and the pack agree on what a waiver is and when it runs out."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@functools.cache
def _rules() -> dict[str, Any]:
    """The pack's rules by name; loaded on first use, since the audit needs them only for a client that turns
    a measure off (importing the pack and pulumi_policy is most of the audit's start otherwise)."""
    from policies.toms_pack import pack

    return {rule.name: rule for rule in pack.all_rules()}


@dataclass(frozen=True)
class WaiverEntry:
    policy: str
    resources: tuple[str, ...]
    reason: str
    expires: date

    def active_on(self, day: date) -> bool:
        return self.expires >= day

    @property
    def text(self) -> str:
        resources = ", ".join(self.resources)
        return f"{self.policy} waived for {resources} until {self.expires.isoformat()}: {self.reason}"


def waivers_of(name: str, policy_config: Mapping[str, Any]) -> tuple[WaiverEntry, ...]:
    """The waivers the client's pack config gives a policy, as the pack reads them (invalid ones are the
    pack's config errors and never exempt anything, so they are left out)."""
    rule = _rules().get(name)
    entry = policy_config.get(name)
    if rule is None or not isinstance(entry, Mapping):
        return ()
    settings = rule.settings(entry)
    return tuple(
        WaiverEntry(name, waiver.resources, waiver.exemption.reason, waiver.exemption.expires)
        for waiver in settings.waivers
    )


def active_waivers_of(name: str, policy_config: Mapping[str, Any], on: date) -> tuple[WaiverEntry, ...]:
    return tuple(waiver for waiver in waivers_of(name, policy_config) if waiver.active_on(on))
