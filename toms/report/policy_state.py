"""What each policy of a measure did for this client: its enforcement level once the client's pack config is
applied, its waivers (read through the pack's own settings code, so the report and the pack agree on what a
waiver is and when it runs out), and its findings in the preview."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from policies.toms_pack import kit
from toms.preview.model import Finding as PolicyFinding
from toms.waivers import WaiverEntry, waivers_of

# The engine's words for a policy that could not run in the preview because a value it needs is unknown
# until deployment (pulumi_policy reports it as an advisory diagnostic starting so).
_CANNOT_RUN_IN_PREVIEW = "can't run policy "
# The advisory policies that report what the others waived: they enforce nothing themselves.
REPORTERS = frozenset({kit.WAIVED_FINDINGS, kit.WAIVED_STACK_FINDINGS})


@dataclass(frozen=True)
class PolicyResult:
    name: str
    # The enforcement level once the client's policy config is applied; "" when the pack lacks the policy.
    level: str
    findings: tuple[PolicyFinding, ...]
    waivers: tuple[WaiverEntry, ...]
    on: date
    # Why the client's pack config runs this policy below mandatory, and until when; None when it gives
    # no (valid) reason and expiry.
    lowered: kit.Exemption | None = None

    @property
    def in_pack(self) -> bool:
        return bool(self.level)

    @property
    def reporter(self) -> bool:
        return self.name in REPORTERS

    @property
    def active_waivers(self) -> tuple[WaiverEntry, ...]:
        return tuple(waiver for waiver in self.waivers if waiver.active_on(self.on))

    @property
    def deferred(self) -> tuple[PolicyFinding, ...]:
        """Findings saying the policy could not run in the preview: it decides at deployment."""
        return tuple(
            finding for finding in self.findings if finding.message.startswith(_CANNOT_RUN_IN_PREVIEW)
        )

    @property
    def violations(self) -> tuple[PolicyFinding, ...]:
        return tuple(finding for finding in self.findings if finding.mandatory)

    @property
    def weakening(self) -> list[str]:
        """Why this policy does not hold its measure as the pack would by default, one sentence each."""
        if self.reporter or not self.in_pack:
            return []
        reasons = []
        terms = f" {self.lowered.terms}" if self.lowered else " (the config gives no reason and expiry)"
        if self.level == "advisory":
            reasons.append(
                f"{self.name} is advisory for this client{terms}: a violation is reported, not blocked"
            )
        elif self.level == "disabled":
            reasons.append(f"{self.name} is disabled for this client{terms}: it is not evaluated")
        reasons += [waiver.text for waiver in self.active_waivers]
        return reasons

    @property
    def result(self) -> str:
        if not self.in_pack:
            return "not in the policy pack"
        if self.reporter:
            return "reports the waived findings of other policies; enforces nothing itself"
        if self.level == "disabled":
            return "disabled, not evaluated"
        parts = []
        if self.deferred:
            parts.append("could not run in the preview: decided at deployment")
        counted = [finding for finding in self.findings if finding not in self.deferred]
        counts = Counter(finding.enforcement_level for finding in counted)
        parts += [f"{count} {level} finding{'s' if count != 1 else ''}" for level, count in counts.items()]
        parts += [f"waived until {waiver.expires.isoformat()}" for waiver in self.active_waivers]
        parts += [
            f"waiver expired {waiver.expires.isoformat()}"
            for waiver in self.waivers
            if not waiver.active_on(self.on)
        ]
        return "; ".join(parts) or "no violation"


def lowered_level(name: str, policy_config: Mapping[str, Any], on: date) -> kit.Exemption | None:
    """The reason and expiry the client's pack config gives for running a policy below mandatory, read as
    the pack reads an exemption; None when it gives none or they are not valid."""
    entry = policy_config.get(name)
    if not isinstance(entry, Mapping) or "reason" not in entry or "expires" not in entry:
        return None
    try:
        return kit.parse_exemption(entry, name, f"the lowered level of {name}", on)
    except kit.ExemptionError:
        return None


def policy_results(
    names: tuple[str, ...],
    levels: Mapping[str, str],
    in_pack: set[str],
    findings: tuple[PolicyFinding, ...],
    policy_config: Mapping[str, Any],
    on: date,
) -> tuple[PolicyResult, ...]:
    return tuple(
        PolicyResult(
            name,
            levels.get(name, "") if name in in_pack else "",
            # In URN order: a preview's registrations arrive in whatever order the runtime makes them.
            tuple(
                sorted(
                    (finding for finding in findings if finding.policy == name),
                    key=lambda finding: (finding.urn, finding.message),
                )
            ),
            waivers_of(name, policy_config),
            on,
            lowered_level(name, policy_config, on),
        )
        for name in names
    )
