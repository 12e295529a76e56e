"""Each measure's coverage status, derived from the evidence, with the reasons shown.

The rules, worst first (the first that holds is the status; every reason that holds is listed):
- FAIL / ERROR in live evidence: a live check or the restore drill failed, or could not run.
- incomplete: a component the measure needs is not built, or one of its policies is not in the pack.
- violates a policy in the preview: a mandatory finding in this client's preview.
- weakened: one of its policies is advisory, disabled or waived for this client (policy, reason, expiry),
  or a live check found the measure off by the client's documented exception (EXCEPTION).
- decided at deployment: one of its policies could not run in the preview (a value known only then).
- not verified: the commitment needs live evidence that was not given (a yearly restore test, no drill).
- evidence stale: the live evidence passed but is older than its stated age.
- partly organisational: built and enforced (or verified live), but the infrastructure covers only part of
  the commitment; the rest is a process.
- verified live: passing live evidence for every live check of the measure, younger than its stated age,
  from the stack's own account and region (the report refuses any other), and built and enforced.
- enforced by code and policy: built and enforced on every preview; no live evidence for all its checks.
- organisational only: a process or document; what backs it is stated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from policies.toms_pack import catalogue
from toms.live.models import AuditResult, DrillEvidence
from toms.report.policy_state import PolicyResult

# How old passing evidence may be and still verify a measure: an audit a little over a month (a monthly
# audit with slack), a drill a year and a day (the annex commits to a yearly restore test).
AUDIT_MAX_AGE = timedelta(days=35)
DRILL_MAX_AGE = timedelta(days=366)

LIVE_FAIL = "FAIL in live evidence"
LIVE_ERROR = "ERROR in live evidence"
INCOMPLETE = "incomplete"
PREVIEW_VIOLATION = "violates a policy in the preview"
WEAKENED = "weakened"
DEFERRED = "decided at deployment"
NOT_VERIFIED = "not verified"
STALE = "evidence stale"
PARTLY_ORGANISATIONAL = "partly organisational"
VERIFIED = "verified live"
ENFORCED = "enforced by code and policy"
ORGANISATIONAL = "organisational only"

# Every status with the rule that gives it, worst first: the report's legend.
RULES: tuple[tuple[str, str], ...] = (
    (LIVE_FAIL, "a live check or the restore drill given to this report failed"),
    (LIVE_ERROR, "a live check given to this report could not run (AWS refused or failed a call)"),
    (INCOMPLETE, "a component the measure needs is not built, or one of its policies is not in the pack"),
    (PREVIEW_VIOLATION, "the policy pack reports a mandatory violation in this client's preview"),
    (WEAKENED, "one of its policies is advisory, disabled or waived for this client, or a live check found "
     "it off by the client's documented exception (policy, reason and expiry are named)"),
    (DEFERRED, "one of its policies could not run in the preview because a value is known only at "
     "deployment; the pack decides then"),
    (NOT_VERIFIED, "the commitment can only be shown by live evidence, and none was given"),
    (STALE, f"the live evidence passed but is older than {AUDIT_MAX_AGE.days} days (audit) or "
     f"{DRILL_MAX_AGE.days} days (restore drill)"),
    (PARTLY_ORGANISATIONAL, "built and enforced, but the infrastructure covers only part of the commitment; "
     "the rest is a process this report cannot verify"),
    (VERIFIED, "built, enforced by mandatory policies, and every live check of it passed in evidence "
     f"younger than {AUDIT_MAX_AGE.days} days (audit) / {DRILL_MAX_AGE.days} days (restore drill) from the "
     "stack's own account and region"),
    (ENFORCED, "built by the program and enforced by the policy pack on every preview; no live evidence "
     "given for all of its checks"),
    (ORGANISATIONAL, "a process or document, not an infrastructure control; what backs it is stated"),
)  # fmt: skip
STATUSES: tuple[str, ...] = tuple(status for status, _ in RULES)


@dataclass(frozen=True)
class Coverage:
    status: str
    reasons: tuple[str, ...]
    # The date of the live evidence the status rests on, when it rests on any.
    evidence_date: date | None = None

    @property
    def label(self) -> str:
        return f"{self.status} ({self.evidence_date.isoformat()})" if self.evidence_date else self.status


def evidence_checks(measure: catalogue.Measure) -> tuple[str, ...]:
    return tuple(check for check in measure.audit_checks if check != catalogue.RESTORE_DRILL)


def uses_drill(measure: catalogue.Measure) -> bool:
    return catalogue.RESTORE_DRILL in measure.audit_checks


def age_in_days(moment: datetime, now: datetime) -> int:
    return (now - moment).days


@dataclass
class _Live:
    """What the live evidence given says about one measure."""

    failed: list[str]
    errors: list[str]
    # Live checks that found the measure off by the client's documented exception.
    exceptions: list[str]
    missing: list[str]
    stale: list[str]
    dates: list[date]


def _live(
    measure: catalogue.Measure, audit: AuditResult | None, drill: DrillEvidence | None, now: datetime
) -> _Live:
    live = _Live([], [], [], [], [], [])
    checks = evidence_checks(measure)
    if checks:
        if audit is None:
            live.missing.append(f"no audit given for its live checks ({', '.join(checks)})")
        else:
            for check in checks:
                findings = audit.findings_for((check,))
                if not findings:
                    live.missing.append(f"the audit has no finding for {check}")
                live.failed += [
                    f"{check} FAIL on {f.resource}: {f.message}" for f in findings if f.status == "FAIL"
                ]
                live.errors += [
                    f"{check} ERROR on {f.resource}: {f.message}" for f in findings if f.status == "ERROR"
                ]
                live.exceptions += [
                    f"{check} EXCEPTION on {f.resource}: {f.message}"
                    for f in findings
                    if f.status == "EXCEPTION"
                ]
            live.dates.append(audit.finished_at.date())
            age = age_in_days(audit.finished_at, now)
            if now - audit.finished_at > AUDIT_MAX_AGE:
                live.stale.append(
                    f"the audit of {audit.finished_at.date().isoformat()} is {age} days old, older than "
                    f"{AUDIT_MAX_AGE.days} days"
                )
    if uses_drill(measure):
        if drill is None:
            live.missing.append("no restore drill given")
        else:
            if drill.result == "FAIL":
                live.failed.append(
                    f"the restore drill of {drill.finished_at.date().isoformat()} failed: {drill.error}"
                )
            live.dates.append(drill.finished_at.date())
            age = age_in_days(drill.finished_at, now)
            if now - drill.finished_at > DRILL_MAX_AGE:
                live.stale.append(
                    f"the restore drill of {drill.finished_at.date().isoformat()} is {age} days old, "
                    f"older than {DRILL_MAX_AGE.days} days"
                )
    return live


def coverage(
    measure: catalogue.Measure,
    missing_components: tuple[str, ...],
    policies: tuple[PolicyResult, ...],
    audit: AuditResult | None,
    drill: DrillEvidence | None,
    now: datetime,
) -> Coverage:
    """The coverage status of one measure and every reason for it."""
    if measure.kind == "organisational":
        return Coverage(ORGANISATIONAL, (measure.organisational_part,))
    enforcing = [policy for policy in policies if not policy.reporter]
    incomplete = [f"{component} is not built by the program" for component in missing_components]
    incomplete += [
        f"policy {policy.name} is not in the policy pack" for policy in enforcing if not policy.in_pack
    ]
    violations = [
        f"mandatory violation of {finding.policy} on {finding.resource_name}"
        for policy in enforcing
        for finding in policy.violations
    ]
    weakened = [reason for policy in enforcing for reason in policy.weakening]
    live = _live(measure, audit, drill, now)
    weakened += live.exceptions
    deferred = [
        f"{policy.name} could not run in the preview: decided at deployment"
        for policy in enforcing
        if policy.deferred
    ]
    evidence_date = min(live.dates) if live.dates else None
    reasons = (
        live.failed + live.errors + incomplete + violations + weakened + deferred + live.missing + live.stale
    )
    ranked = (
        (LIVE_FAIL, live.failed),
        (LIVE_ERROR, live.errors),
        (INCOMPLETE, incomplete),
        (PREVIEW_VIOLATION, violations),
        (WEAKENED, weakened),
        (DEFERRED, deferred),
        (NOT_VERIFIED, live.missing if measure.needs_live_evidence else []),
        (STALE, live.stale),
    )
    for status, why in ranked:
        if why:
            dated = evidence_date if status in (LIVE_FAIL, LIVE_ERROR, STALE) else None
            return Coverage(status, tuple(reasons), dated)
    verified = bool(measure.audit_checks) and not live.missing
    if measure.partly_organisational:
        part = (
            f"verified live ({evidence_date.isoformat()})"
            if verified and evidence_date
            else "enforced by code and policy"
        )
        return Coverage(
            PARTLY_ORGANISATIONAL,
            (
                f"the infrastructure part is {part}",
                f"the rest is a process: {measure.organisational_part}",
                *reasons,
            ),
        )
    if verified:
        return Coverage(VERIFIED, ("every live check of it passed",), evidence_date)
    if not measure.audit_checks:
        reasons.append("no live check exists for this measure; the policy pack's preview is its evidence")
    return Coverage(ENFORCED, tuple(reasons))
