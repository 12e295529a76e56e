"""Runs the registered checks (`toms/live/checks/`) for one client in one region: each service's discovery
once, then every check of each resource it found. The findings become an `AuditResult`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from components.config import ClientConfig
from policies.toms_pack import catalogue, standards
from toms import __version__
from toms.live.checks import (
    DISCOVERIES,
    SERVICE_MODULES,
    AuditContext,
    Check,
    DocumentedException,
    ItemVerdict,
    Resource,
    Verdict,
    checks_of,
    load_checks,
)
from toms.live.models import AuditFinding, AuditResult, AuditStatus, AuditSummary
from toms.live.session import AwsSession, error_message, utc_now
from toms.live.stacks import PACK_DEFAULT_BOUNDS


def finding(
    check_id: str, status: AuditStatus, resource: str, observed: dict[str, object], message: str
) -> AuditFinding:
    return AuditFinding(
        check=check_id,
        status=status,
        resource=resource,
        measures=[measure.id for measure in catalogue.measures_for_audit_check(check_id)],
        observed=observed,
        message=message,
    )


def _verdicts(registered: Check, context: AuditContext, resource: Resource) -> list[ItemVerdict]:
    result = registered.evaluate(context, resource)
    if registered.per_item:
        assert not isinstance(result, Verdict | DocumentedException)
        return list(result)
    assert isinstance(result, Verdict | DocumentedException)
    return [ItemVerdict(resource.arn, result)]


@dataclass(frozen=True)
class AuditRun:
    findings: list[AuditFinding]
    # No discovery found any resource carrying the client's tags (and none failed).
    nothing_tagged: bool


def audit_findings(context: AuditContext) -> AuditRun:
    load_checks()
    findings: list[AuditFinding] = []
    found_any = False
    failed_any = False
    for service in SERVICE_MODULES:
        for (discovery_service, kind), discovery in DISCOVERIES.items():
            if discovery_service != service:
                continue
            checks = checks_of(service, kind)
            try:
                resources = context.found(service, kind)
            except (ClientError, BotoCoreError) as error:
                failed_any = True
                message = f"cannot list {kind}s: {error_message(error)}"
                findings += [finding(c.id, "ERROR", discovery.scope(context), {}, message) for c in checks]
                continue
            if not resources:
                tag = f"{standards.TAG_CLIENT}={context.client}"
                message = f"no {kind} tagged {tag} found; the baseline creates one"
                findings += [
                    finding(c.id, "FAIL", discovery.scope(context), {"count": 0}, message) for c in checks
                ]
                continue
            found_any = True
            for resource in resources:
                for registered in checks:
                    findings += _run_check(registered, context, resource)
    return AuditRun(findings, nothing_tagged=not found_any and not failed_any)


def _run_check(registered: Check, context: AuditContext, resource: Resource) -> Iterable[AuditFinding]:
    try:
        verdicts = _verdicts(registered, context, resource)
    except (ClientError, BotoCoreError) as error:
        return [finding(registered.id, "ERROR", resource.arn, {}, error_message(error))]
    return [
        finding(registered.id, status_of(verdict), item, verdict.observed, verdict.message)
        for item, verdict in verdicts
    ]


def status_of(verdict: Verdict | DocumentedException) -> AuditStatus:
    if isinstance(verdict, DocumentedException):
        return "EXCEPTION"
    return "PASS" if verdict.passed else "FAIL"


def run_audit(
    session: AwsSession,
    client: str,
    expected: ClientConfig | None,
    *,
    expected_from: str = PACK_DEFAULT_BOUNDS,
    now: Callable[[], datetime] = utc_now,
    policy_config: Mapping[str, Any] | None = None,
) -> AuditResult:
    """Audits one client's resources in the session's account and region. `policy_config` is the client's
    pack config: its waivers are the client's documented exceptions."""
    started_at = now()
    run = audit_findings(AuditContext(session, client, expected, now, policy_config or {}))
    return AuditResult(
        toms_version=__version__,
        account=session.account_id,
        partition=session.partition,
        region=session.region,
        started_at=started_at,
        finished_at=now(),
        client=client,
        expected_from=expected_from,
        nothing_tagged=run.nothing_tagged,
        summary=AuditSummary.of(run.findings),
        findings=run.findings,
    )
