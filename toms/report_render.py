"""The evidence report as Markdown and as one self-contained, printable HTML file.

Both renderings walk the same rows (`coverage_rows`, `value_rows`, `policy_rows`, `audit_rows`,
`drill_rows`), so they cannot say different things. Every value is escaped for its format: the HTML is
XHTML-compatible (it parses as XML), has its CSS inline and loads nothing from anywhere.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

from toms.report_evidence import DrillEvidence
from toms.report_model import MARK_MEANINGS, MeasureReport, Report

# Table rows: every cell is plain text; the renderers escape it.
Row = tuple[str, ...]

COVERAGE_HEADER: Row = ("#", "Measure (Annex II)", "Kind", "Coverage", "Notes")
VALUE_HEADER: Row = ("What", "Resource", "Built by", "Setting", "Value")
POLICY_HEADER: Row = ("Policy", "Enforcement level", "Result in the preview")
AUDIT_HEADER: Row = ("Check", "Status", "Resource", "Finding", "Observed")
DRILL_HEADER: Row = ("Step", "Status", "Started", "Finished", "Detail")


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "not recorded"


def title(report: Report) -> str:
    return f"Technical and organisational measures: {report.client}"


def provenance(report: Report) -> list[str]:
    """What the report was made from, one sentence each."""
    counts = report.preview_counts
    lines = [
        f"Client {report.client}, stack {report.stack}, region {report.region}.",
        f"Generated {_utc(report.generated_at)} by toms {report.toms_version}.",
        f"Values: an offline preview of {report.stack_file or 'the stack'} (the program run under Pulumi's "
        "mock runtime); values AWS decides at deployment are marked as such.",
        f"Policies: policy pack {report.pack_name} {report.pack_version}"
        + (f" with {report.policy_config_file}" if report.policy_config_file else " with its defaults")
        + f"; the preview has {counts.get('mandatory', 0)} mandatory and {counts.get('advisory', 0)} "
        "advisory findings.",
    ]
    if report.audit is not None:
        audit = report.audit
        summary = audit.summary
        lines.append(
            f"Live audit: {report.audit_file}, toms audit {audit.toms_version} in {audit.region}, "
            f"{_utc(audit.started_at)} to {_utc(audit.finished_at)}: {summary.passed} PASS, "
            f"{summary.failed} FAIL, {summary.errors} ERROR."
        )
    else:
        lines.append(
            f"Live audit: none given (`python -m toms audit --client {report.client} --json FILE`, then "
            "--audit FILE)."
        )
    if report.drill is not None:
        drill = report.drill
        lines.append(
            f"Restore drill: {report.drill_file}, {drill.result} for {drill.source.db_instance}, "
            f"finished {_utc(drill.finished_at)}."
        )
    else:
        lines.append(
            "Restore drill: none given (`python -m toms restore-drill --evidence FILE`, then --drill FILE)."
        )
    return lines


def coverage_rows(report: Report) -> list[Row]:
    return [
        (
            str(item.number),
            item.measure.line,
            item.measure.kind,
            item.coverage.label,
            "; ".join(item.coverage.notes),
        )
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
            for fact in resource.facts:
                rows.append(
                    (aspect.aspect.title, resource.name, resource.component, fact.setting, fact.value)
                )
    return rows


def policy_rows(item: MeasureReport) -> list[Row]:
    return [(policy.name, policy.level or "-", policy.result) for policy in item.policies]


def policy_findings(item: MeasureReport) -> list[str]:
    return [
        f"{finding.policy} ({finding.enforcement_level}) on {finding.resource_name}: {finding.message}"
        for policy in item.policies
        for finding in policy.findings
    ]


def _observed(observed: dict[str, object]) -> str:
    return ", ".join(f"{key}={json.dumps(value, sort_keys=True)}" for key, value in observed.items())


def audit_rows(item: MeasureReport) -> list[Row]:
    rows: list[Row] = []
    for evidence in item.audit or ():
        if not evidence.findings:
            rows.append((evidence.check, "no finding", "", "the audit has no finding for this check", ""))
        for finding in evidence.findings:
            rows.append(
                (
                    finding.check,
                    finding.status,
                    finding.resource,
                    finding.message,
                    _observed(finding.observed),
                )
            )
    return rows


def drill_summary(drill: DrillEvidence) -> list[str]:
    snapshot = drill.snapshot
    engine = " ".join(part for part in (drill.source.engine, drill.source.engine_version) if part)
    lines = [
        f"Result: {drill.result}, drill of {drill.source.db_instance} ({engine or 'engine not recorded'}) in "
        f"{drill.region}, {_utc(drill.started_at)} to {_utc(drill.finished_at)}.",
        "Measured restore time: "
        + (f"{drill.restore_seconds:g} s" if drill.restore_seconds is not None else "not measured")
        + (f", into temporary instance {drill.temporary_instance}." if drill.temporary_instance else "."),
        f"Snapshot restored: {snapshot.id} ({snapshot.type}, taken {_utc(snapshot.created_at)})."
        if snapshot
        else "Snapshot restored: none.",
    ]
    if drill.error:
        lines.append(f"Error: {drill.error}")
    return lines


def drill_rows(drill: DrillEvidence) -> list[Row]:
    return [
        (step.name, step.status, _utc(step.started_at), _utc(step.finished_at), step.detail)
        for step in drill.steps
    ]


def no_live_check(item: MeasureReport) -> bool:
    return item.measure.kind == "technical" and not item.measure.audit_checks


# --- Markdown --------------------------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|#!~])")


def md(value: str) -> str:
    """Text safe in Markdown, in a table cell too: no markup, no raw HTML, no line breaks."""
    escaped = html.escape(value, quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped).replace("\r", " ").replace("\n", " ")


def md_table(header: Row, rows: Iterable[Row]) -> list[str]:
    lines = ["| " + " | ".join(md(cell) for cell in header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _md_measure(report: Report, item: MeasureReport) -> Iterator[str]:
    measure = item.measure
    yield f"### {item.number}. {md(measure.heading)}"
    yield ""
    yield f"> {md(measure.line)}"
    yield ""
    yield f"**Coverage:** {md(item.coverage.label)}" + (
        f" ({md('; '.join(item.coverage.notes))})" if item.coverage.notes else ""
    )
    yield ""
    if measure.kind == "organisational":
        yield f"**Organisational measure.** {md(measure.organisational_part)} No infrastructure control "
        yield "implements it and this report claims none."
        yield ""
        return
    if measure.organisational_part:
        yield f"**What remains a process:** {md(measure.organisational_part)}"
        yield ""
    yield f"#### How it is built for {md(report.client)}"
    yield ""
    yield from (f"- {md(line)}" for line in component_lines(item))
    yield ""
    rows = value_rows(item)
    if rows:
        yield from md_table(VALUE_HEADER, rows)
    yield "#### Policies that enforce it"
    yield ""
    yield from md_table(POLICY_HEADER, policy_rows(item))
    findings = policy_findings(item)
    if findings:
        yield "Findings in the preview:"
        yield ""
        yield from (f"- {md(line)}" for line in findings)
        yield ""
    yield "#### Live evidence"
    yield ""
    yield from (f"{md(line)}" + "\n" for line in _evidence_sentences(report, item))
    if item.audit:
        yield from md_table(AUDIT_HEADER, audit_rows(item))
    if item.drill is not None:
        yield from (f"- {md(line)}" for line in drill_summary(item.drill))
        yield ""
        yield from md_table(DRILL_HEADER, drill_rows(item.drill))


def _evidence_sentences(report: Report, item: MeasureReport) -> list[str]:
    sentences = []
    if no_live_check(item):
        sentences.append("No live check exists for this measure; the policy pack's preview is its evidence.")
    checks = [check for check in item.measure.audit_checks if check != "restore-drill"]
    if checks:
        if report.audit is None:
            sentences.append(f"Live checks {', '.join(checks)}: no audit evidence was given.")
        else:
            sentences.append(f"Live audit of {_utc(report.audit.finished_at)} ({report.audit_file}):")
    if item.uses_drill and item.drill is None:
        sentences.append("Restore drill: no drill evidence was given.")
    elif item.drill is not None:
        sentences.append(f"Restore drill ({report.drill_file}):")
    return sentences


def render_markdown(report: Report) -> str:
    lines = [f"# {md(title(report))}", ""]
    lines += [f"{md(line)}  " for line in provenance(report)]
    lines += ["", "## Coverage", ""]
    lines += md_table(COVERAGE_HEADER, coverage_rows(report))
    lines += [f"- **{md(mark)}**: {md(meaning)}" for mark, meaning in MARK_MEANINGS]
    lines += ["", "## Measures", ""]
    for item in report.measures:
        lines += list(_md_measure(report, item))
    return "\n".join(lines).rstrip() + "\n"


# --- HTML ------------------------------------------------------------------------------------------------

STYLE = """
body { font: 10.5pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1b1f24; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .3rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #1b1f24; padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.1rem; margin: 2rem 0 .4rem; }
h4 { font-size: .95rem; margin: 1rem 0 .3rem; }
blockquote { margin: .3rem 0 .6rem; padding: .3rem .8rem; border-left: 4px solid #8c959f;
             background: #f6f8fa; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: 9pt; }
th, td { border: 1px solid #d0d7de; padding: .25rem .4rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #f6f8fa; }
ul { margin: .3rem 0 .6rem; padding-left: 1.3rem; }
.provenance { color: #424a53; font-size: 9.5pt; }
.mark { font-weight: 600; white-space: nowrap; }
.mark-verified { color: #116329; }
.mark-enforced { color: #0a3069; }
.mark-organisational { color: #57606a; }
.mark-fail, .status-fail, .status-error { color: #a40e26; font-weight: 700; }
.mark-incomplete, .mark-violation { color: #953800; }
.status-pass { color: #116329; font-weight: 600; }
.organisational { background: #f6f8fa; border: 1px dashed #8c959f; padding: .4rem .8rem; }
.measure { break-inside: auto; }
@media print {
  body { max-width: none; margin: 0; font-size: 9.5pt; }
  @page { size: A4; margin: 15mm 12mm; }
  h2, h3, h4 { break-after: avoid; }
  .measure { break-before: page; }
  tr, blockquote, .organisational { break-inside: avoid; }
  thead { display: table-header-group; }
}
"""

_MARK_CLASSES = {
    "verified live": "mark-verified",
    "enforced by code and policy": "mark-enforced",
    "organisational only": "mark-organisational",
    "FAIL in live evidence": "mark-fail",
    "ERROR in live evidence": "mark-fail",
    "incomplete": "mark-incomplete",
    "violates a policy in the preview": "mark-violation",
}


class Markup(str):
    """HTML that is already escaped."""

    __slots__ = ()


def esc(value: str) -> Markup:
    return Markup(html.escape(value, quote=True))


def el(tag: str, *children: str, **attributes: str) -> Markup:
    """An element; plain-text children are escaped, Markup children are kept."""
    attrs = "".join(
        f' {name.rstrip("_")}="{html.escape(value, quote=True)}"' for name, value in attributes.items()
    )
    inner = "".join(child if isinstance(child, Markup) else esc(child) for child in children)
    return Markup(f"<{tag}{attrs}>{inner}</{tag}>")


def html_table(header: Row, rows: Sequence[Row], classes: dict[int, dict[str, str]] | None = None) -> Markup:
    """A table; `classes` maps a column to a cell value -> CSS class mapping."""
    head = el("thead", el("tr", *(el("th", cell) for cell in header)))
    body_rows = []
    for row in rows:
        cells = []
        for column, cell in enumerate(row):
            css = (classes or {}).get(column, {}).get(cell.split(" (")[0])
            cells.append(el("td", cell, class_=css) if css else el("td", cell))
        body_rows.append(el("tr", *cells))
    return el("table", head, el("tbody", *body_rows))


def _status_classes() -> dict[str, str]:
    return {"PASS": "status-pass", "FAIL": "status-fail", "ERROR": "status-error", "ok": "status-pass",
            "failed": "status-fail"}  # fmt: skip


def _html_measure(report: Report, item: MeasureReport) -> Markup:
    measure = item.measure
    mark_class = _MARK_CLASSES.get(item.coverage.mark, "")
    parts: list[str] = [
        el("h3", f"{item.number}. {measure.heading}"),
        el("blockquote", measure.line),
        el(
            "p",
            el("strong", "Coverage: "),
            el("span", item.coverage.label, class_=f"mark {mark_class}"),
            f" ({'; '.join(item.coverage.notes)})" if item.coverage.notes else "",
        ),
    ]
    if measure.kind == "organisational":
        parts.append(
            el(
                "p",
                el("strong", "Organisational measure. "),
                f"{measure.organisational_part} No infrastructure control implements it and this report "
                "claims none.",
                class_="organisational",
            )
        )
        return el("section", *parts, class_="measure", id=f"measure-{measure.id}")
    if measure.organisational_part:
        parts.append(el("p", el("strong", "What remains a process: "), measure.organisational_part))
    parts.append(el("h4", f"How it is built for {report.client}"))
    parts.append(el("ul", *(el("li", line) for line in component_lines(item))))
    rows = value_rows(item)
    if rows:
        parts.append(html_table(VALUE_HEADER, rows))
    parts.append(el("h4", "Policies that enforce it"))
    parts.append(html_table(POLICY_HEADER, policy_rows(item)))
    findings = policy_findings(item)
    if findings:
        parts.append(el("p", "Findings in the preview:"))
        parts.append(el("ul", *(el("li", line) for line in findings)))
    parts.append(el("h4", "Live evidence"))
    parts += [el("p", sentence) for sentence in _evidence_sentences(report, item)]
    if item.audit:
        parts.append(html_table(AUDIT_HEADER, audit_rows(item), {1: _status_classes()}))
    if item.drill is not None:
        parts.append(el("ul", *(el("li", line) for line in drill_summary(item.drill))))
        parts.append(html_table(DRILL_HEADER, drill_rows(item.drill), {1: _status_classes()}))
    return el("section", *parts, class_="measure", id=f"measure-{measure.id}")


def render_html(report: Report) -> str:
    mark_classes = {mark: f"mark {css}" for mark, css in _MARK_CLASSES.items()}
    head = el(
        "head",
        Markup('<meta charset="utf-8" />'),
        Markup('<meta name="viewport" content="width=device-width, initial-scale=1" />'),
        el("title", title(report)),
        el("style", Markup(STYLE)),
    )
    body = el(
        "body",
        el("h1", title(report)),
        el("div", *(el("p", line) for line in provenance(report)), class_="provenance"),
        el("h2", "Coverage"),
        html_table(COVERAGE_HEADER, coverage_rows(report), {3: mark_classes}),
        el("ul", *(el("li", el("strong", mark), f": {meaning}") for mark, meaning in MARK_MEANINGS)),
        el("h2", "Measures"),
        *(_html_measure(report, item) for item in report.measures),
    )
    document = el("html", head, body, lang="en", xmlns="http://www.w3.org/1999/xhtml")
    return f"<!DOCTYPE html>\n{document}\n"
