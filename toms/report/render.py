"""The evidence report as Markdown and as one self-contained, printable HTML file, from the Jinja2 templates
in `templates/`.

Both templates walk the same rows (`coverage_rows`, `value_rows`, `policy_rows`, `audit_rows`, `drill_rows`
and the first page's), so they cannot say different things. Every value is escaped for its format: the HTML
environment autoescapes, the Markdown one passes every value through `toms.markdown.md` (its one table
writer, `md_table`, escapes each cell). The HTML is XHTML-compatible (it parses as XML), has its CSS inline
and loads nothing from anywhere.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from toms.live.models import DrillEvidence
from toms.markdown import md, md_table
from toms.report.coverage import RULES
from toms.report.model import MeasureReport, Report

# Table rows: every cell is plain text; the templates escape it.
Row = tuple[str, ...]

COVERAGE_HEADER: Row = ("#", "Measure (Annex II)", "Coverage", "Why")
VALUE_HEADER: Row = ("What", "Resource", "Built by", "Setting", "Value")
POLICY_HEADER: Row = ("Policy", "Enforcement level", "Result in the preview")
AUDIT_HEADER: Row = ("Check", "Status", "Resource", "Finding", "Observed")
DRILL_HEADER: Row = ("Step", "Status", "Started", "Took", "Detail")
COUNTS_HEADER: Row = ("Coverage", "Measures")
EVIDENCE_HEADER: Row = ("Evidence", "File", "Taken", "Age", "Result")
EXCEPTIONS_HEADER: Row = ("Policy", "Exception", "Resources", "Reason", "Expires")
OPEN_HEADER: Row = ("Where", "What", "Resource", "Finding")

# CSS class of each coverage status and evidence status in the HTML.
STATUS_CLASSES: dict[str, str] = {
    "verified live": "good",
    "enforced by code and policy": "neutral",
    "partly organisational": "neutral",
    "organisational only": "muted",
    "evidence stale": "warn",
    "not verified": "warn",
    "decided at deployment": "warn",
    "weakened": "warn",
    "violates a policy in the preview": "bad",
    "incomplete": "bad",
    "FAIL in live evidence": "bad",
    "ERROR in live evidence": "bad",
    "PASS": "good",
    "ok": "good",
    "FAIL": "bad",
    "ERROR": "bad",
    "EXCEPTION": "warn",
    "failed": "bad",
}


def utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "not recorded"


def title(report: Report) -> str:
    return f"Technical and organisational measures: {report.client}"


def identity_rows(report: Report) -> list[Row]:
    counts = report.preview_counts
    policies = f"policy pack {report.pack_name} {report.pack_version}, " + (
        f"config {report.policy_config_file}" if report.policy_config_file else "its defaults"
    )
    return [
        ("Client", report.client),
        ("AWS account", f"{report.account} ({report.partition})"),
        ("Region", report.region),
        ("Report date", utc(report.generated_at)),
        (
            "Values from",
            f"an offline preview of {report.stack_file or 'stack ' + report.stack} "
            f"by toms {report.toms_version}",
        ),
        (
            "Policies",
            f"{policies}: {counts.get('mandatory', 0)} mandatory and "
            f"{counts.get('advisory', 0)} advisory findings",
        ),
    ]


def count_rows(report: Report) -> list[Row]:
    return [(status, str(count)) for status, count in report.status_counts]


def _age(days: int | None) -> str:
    return "" if days is None else ("today" if days == 0 else f"{days} day{'s' if days != 1 else ''}")


def evidence_rows(report: Report) -> list[Row]:
    rows: list[Row] = []
    if report.audit is not None:
        summary = report.audit.summary
        rows.append(
            (
                "Live audit",
                report.audit_file,
                utc(report.audit.finished_at),
                _age(report.audit_age_days),
                summary.counts,
            )
        )
    else:
        rows.append(("Live audit", "none given", "", "", f"toms audit --client {report.client} --json FILE"))
    if report.drill is not None:
        rows.append(
            (
                "Restore drill",
                report.drill_file,
                utc(report.drill.finished_at),
                _age(report.drill_age_days),
                f"{report.drill.result} for {report.drill.source.db_instance}",
            )
        )
    else:
        rows.append(
            (
                "Restore drill",
                "none given",
                "",
                "",
                "toms restore-drill --db-instance ID --evidence FILE",
            )
        )
    return rows


def exception_rows(report: Report) -> list[Row]:
    rows: list[Row] = [
        (
            policy.name,
            f"runs {policy.level} (measures {numbers})",
            "every resource",
            policy.lowered.reason if policy.lowered else "none given",
            policy.lowered.expires.isoformat() if policy.lowered else "none given",
        )
        for policy, numbers in report.weakened_policies
    ]
    on = report.generated_at.date()
    rows += [
        (
            waiver.policy,
            "waiver" if waiver.active_on(on) else "waiver (expired, exempts nothing)",
            ", ".join(waiver.resources),
            waiver.reason,
            waiver.expires.isoformat(),
        )
        for waiver in report.waivers
    ]
    return rows


def open_rows(report: Report) -> list[Row]:
    rows: list[Row] = [
        ("live audit", f"{finding.check} {finding.status}", finding.resource, finding.message)
        for finding in report.open_live_findings
    ]
    if report.drill is not None and report.drill.result == "FAIL":
        rows.append(("restore drill", "FAIL", report.drill.source.db_instance, report.drill.error or ""))
    rows += [
        ("preview", f"{finding.policy} (mandatory)", finding.resource_name, finding.message)
        for finding in report.open_preview_findings
    ]
    return rows


def coverage_rows(report: Report) -> list[Row]:
    return [
        (str(item.number), item.measure.line, item.coverage.label, "; ".join(item.coverage.reasons))
        for item in report.measures
    ]


def component_lines(item: MeasureReport) -> list[str]:
    return [
        f"{component.type}: built ({', '.join(component.names)})"
        if component.built
        else f"{component.type}: not built by the program for this stack; no value is reported for it"
        for component in item.facts.components
    ]


def value_rows(item: MeasureReport) -> list[Row]:
    rows: list[Row] = []
    for aspect in item.facts.aspects:
        if not aspect.built:
            rows.append(
                (
                    aspect.aspect.title,
                    "not built",
                    aspect.aspect.built_by,
                    "",
                    f"the program registers no {' or '.join(aspect.aspect.types)} for this stack",
                )
            )
            continue
        for resource in aspect.resources:
            rows += [
                (aspect.aspect.title, resource.name, resource.component, fact.setting, fact.value)
                for fact in resource.facts
            ]
    return rows


def policy_rows(item: MeasureReport) -> list[Row]:
    return [(policy.name, policy.level or "-", policy.result) for policy in item.policies]


def policy_findings(item: MeasureReport) -> list[str]:
    return [
        f"{finding.policy} ({finding.enforcement_level}) on {finding.resource_name}: {finding.message}"
        for policy in item.policies
        for finding in policy.findings
    ]


def observed_text(observed: dict[str, Any]) -> str:
    return ", ".join(f"{key}={json.dumps(value, sort_keys=True)}" for key, value in observed.items())


def audit_rows(item: MeasureReport) -> list[Row]:
    rows: list[Row] = []
    for evidence in item.audit or ():
        if not evidence.findings:
            rows.append((evidence.check, "no finding", "", "the audit has no finding for this check", ""))
        rows += [
            (
                finding.check,
                finding.status,
                finding.resource,
                finding.message,
                observed_text(finding.observed),
            )
            for finding in evidence.findings
        ]
    return rows


def drill_summary(drill: DrillEvidence) -> list[str]:
    snapshot = drill.snapshot
    engine = " ".join(part for part in (drill.source.engine, drill.source.engine_version) if part)
    lines = [
        f"Result: {drill.result}, drill of {drill.source.db_instance} ({engine or 'engine not recorded'}) "
        f"in account {drill.account}, {drill.region}, {utc(drill.started_at)} to {utc(drill.finished_at)}.",
        "Measured restore time: "
        + (f"{drill.restore_seconds:g} s" if drill.restore_seconds is not None else "not measured")
        + (f", into temporary instance {drill.temporary_instance}." if drill.temporary_instance else "."),
        f"Snapshot restored: {snapshot.id} ({snapshot.type}, taken {utc(snapshot.created_at)})."
        if snapshot
        else "Snapshot restored: none.",
    ]
    if drill.error:
        lines.append(f"Error: {drill.error}")
    return lines


def drill_rows(drill: DrillEvidence) -> list[Row]:
    return [
        (
            step.name,
            step.status,
            utc(step.started_at),
            f"{step.seconds:g} s",
            step.detail
            + (
                " (statuses: "
                + ", ".join(f"{seen.status} at {seen.after_seconds:g} s" for seen in step.statuses)
                + ")"
                if step.statuses
                else ""
            ),
        )
        for step in drill.steps
    ]


def evidence_sentences(report: Report, item: MeasureReport) -> list[str]:
    sentences = []
    if item.measure.kind == "technical" and not item.measure.audit_checks:
        sentences.append("No live check exists for this measure; the policy pack's preview is its evidence.")
    checks = [check for check in item.measure.audit_checks if check != "restore-drill"]
    if checks:
        if report.audit is None:
            sentences.append(f"Live checks {', '.join(checks)}: no audit evidence was given.")
        else:
            sentences.append(
                f"Live audit of {utc(report.audit.finished_at)} in account {report.audit.account} "
                f"({report.audit_file}):"
            )
    if item.uses_drill and item.drill is None:
        sentences.append("Restore drill: no drill evidence was given.")
    elif item.drill is not None:
        sentences.append(f"Restore drill ({report.drill_file}):")
    return sentences


def css_string(value: str) -> Markup:
    """A CSS string literal for the running header of printed pages. A <style> element is raw text to an HTML
    parser (entities are not decoded there), so instead of HTML escaping every character that could end the
    string, the element or an XML parse is written as a CSS escape."""
    escaped = "".join(
        f"\\{ord(character):x} " if character in '\\"<>&\n\r' else character for character in value
    )
    return Markup(f'"{escaped}"')  # noqa: S704 - every character that could break out is escaped above


def _status_class(value: str) -> str:
    return STATUS_CLASSES.get(value.split(" (")[0], "")


_HELPERS = {
    "title": title,
    "identity_rows": identity_rows,
    "count_rows": count_rows,
    "evidence_rows": evidence_rows,
    "exception_rows": exception_rows,
    "open_rows": open_rows,
    "coverage_rows": coverage_rows,
    "component_lines": component_lines,
    "value_rows": value_rows,
    "policy_rows": policy_rows,
    "policy_findings": policy_findings,
    "audit_rows": audit_rows,
    "drill_summary": drill_summary,
    "drill_rows": drill_rows,
    "evidence_sentences": evidence_sentences,
    "legend": RULES,
    "headers": {
        "coverage": COVERAGE_HEADER,
        "values": VALUE_HEADER,
        "policies": POLICY_HEADER,
        "audit": AUDIT_HEADER,
        "drill": DRILL_HEADER,
        "counts": COUNTS_HEADER,
        "evidence": EVIDENCE_HEADER,
        "exceptions": EXCEPTIONS_HEADER,
        "open": OPEN_HEADER,
    },
}


@cache
def _environment(kind: str) -> Environment:
    environment = Environment(
        loader=PackageLoader("toms.report", "templates"),
        # Markdown is escaped by the `md` filter and `md_table`, HTML by Jinja2 itself.
        autoescape=kind == "html",  # noqa: S701
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.globals.update(_HELPERS)
    if kind == "html":
        environment.filters["status_class"] = _status_class
        environment.filters["css_string"] = css_string
    else:
        environment.filters["md"] = md
        environment.globals["md_table"] = md_table
    return environment


def render_markdown(report: Report) -> str:
    text = _environment("markdown").get_template("report.md.j2").render(report=report)
    return _squeeze_blank_lines(text)


def render_html(report: Report) -> str:
    return _environment("html").get_template("report.html.j2").render(report=report)


def render_page(template: str, **context: Any) -> str:
    """Another HTML page from `templates/` (the fleet index), with the report's helpers and escaping."""
    return _environment("html").get_template(template).render(**context)


def _squeeze_blank_lines(text: str) -> str:
    lines: list[str] = []
    for line in text.splitlines():
        if line.strip() == "" and lines and lines[-1] == "":
            continue
        lines.append(line.rstrip() if line.strip() == "" else line)
    return "\n".join(lines).strip() + "\n"
