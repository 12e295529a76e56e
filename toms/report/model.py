"""The evidence report's content, independent of its format: the first page's summary and, per measure, its
coverage, the values the program builds, the policies' verdicts and the live evidence
(`toms/report/command.py` assembles it, `toms/report/render.py` writes it out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from policies.toms_pack import catalogue
from toms.live.models import AuditFinding, AuditResult, DrillEvidence
from toms.preview.model import Finding as PolicyFinding
from toms.report.coverage import STATUSES, Coverage, age_in_days, uses_drill
from toms.report.policy_state import PolicyResult
from toms.report.values import MeasureFacts
from toms.waivers import WaiverEntry


@dataclass(frozen=True)
class CheckEvidence:
    check: str
    findings: tuple[AuditFinding, ...]


@dataclass(frozen=True)
class MeasureReport:
    number: int
    measure: catalogue.Measure
    coverage: Coverage
    facts: MeasureFacts
    policies: tuple[PolicyResult, ...]
    # None when no audit was given; else one entry per audit check of the measure.
    audit: tuple[CheckEvidence, ...] | None
    # The drill, for the measures it verifies, when given.
    drill: DrillEvidence | None

    @property
    def uses_drill(self) -> bool:
        return uses_drill(self.measure)


@dataclass(frozen=True)
class Report:
    client: str
    stack: str
    account: str
    partition: str
    region: str
    generated_at: datetime
    toms_version: str
    pack_name: str
    pack_version: str
    stack_file: str
    policy_config_file: str
    preview_counts: Mapping[str, int]
    preview_findings: tuple[PolicyFinding, ...]
    audit: AuditResult | None
    audit_file: str
    drill: DrillEvidence | None
    drill_file: str
    measures: tuple[MeasureReport, ...]

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """How many measures have each coverage status, in the legend's order, statuses that occur only."""
        counts = Counter(item.coverage.status for item in self.measures)
        return [(status, counts[status]) for status in STATUSES if counts[status]]

    @property
    def audit_age_days(self) -> int | None:
        return age_in_days(self.audit.finished_at, self.generated_at) if self.audit else None

    @property
    def drill_age_days(self) -> int | None:
        return age_in_days(self.drill.finished_at, self.generated_at) if self.drill else None

    @property
    def waivers(self) -> list[WaiverEntry]:
        """Every waiver the client's pack config gives, once, in policy order."""
        seen: dict[tuple[str, tuple[str, ...], str], WaiverEntry] = {}
        for item in self.measures:
            for policy in item.policies:
                for waiver in policy.waivers:
                    seen.setdefault((waiver.policy, waiver.resources, waiver.reason), waiver)
        return list(seen.values())

    @property
    def weakened_policies(self) -> list[tuple[PolicyResult, str]]:
        """Every enforcing policy this client runs below mandatory, with the numbers of its measures."""
        lowered: dict[str, tuple[PolicyResult, list[str]]] = {}
        for item in self.measures:
            for policy in item.policies:
                if policy.in_pack and not policy.reporter and policy.level in ("advisory", "disabled"):
                    lowered.setdefault(policy.name, (policy, []))[1].append(str(item.number))
        return [(policy, ", ".join(numbers)) for _, (policy, numbers) in sorted(lowered.items())]

    @property
    def open_live_findings(self) -> list[AuditFinding]:
        return [finding for finding in self.audit.findings if finding.status != "PASS"] if self.audit else []

    @property
    def open_preview_findings(self) -> list[PolicyFinding]:
        return [finding for finding in self.preview_findings if finding.mandatory]
