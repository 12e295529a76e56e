"""`make checkov`: Checkov 3.3.30 on every example stack, compared with what README accepts.

For each stack in `stacks/` it runs the shared converter (`checkov-plan`: `capture.py` records the program's
resources under Pulumi's mock runtime, `judge.py` writes the Terraform-plan JSON), runs Checkov from its own
virtualenv on the plan, and sorts every failed check:
- a trade-off: README's first table accepts the check id for resources matching its pattern, with the reason;
- a converter limitation: README's second table accepts it only where the stack does set what Checkov wants
  and the plan lost it; this script verifies that, per resource, in the converter's own capture of the
  program (the `EVIDENCE` functions below), and says what it found;
- anything else fails the scan.
Nothing in the converter's output is changed. Files go to `build/checkov/` (captures, plans, Checkov's JSON).
Exit 0 when every failed check is accepted, 1 when one is not, 2 when the tools cannot run.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toms.project import stack_names

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
SECTION = "## Independent scan: Checkov"
# The third column of each README table says which it is.
TRADE_OFF_COLUMN = "what it wants"
LIMITATION_COLUMN = "what the plan lacks"


class ScanError(Exception):
    """The scan cannot run (a tool missing, a stack that does not convert, README without its tables)."""


@dataclass(frozen=True)
class Accepted:
    check: str
    resources: tuple[str, ...]  # Terraform addresses, fnmatch patterns
    kind: str  # "trade-off" or "converter limitation"

    def covers(self, check: str, address: str) -> bool:
        return check == self.check and any(
            fnmatch.fnmatchcase(address, pattern) for pattern in self.resources
        )


def accepted_in_readme(text: str) -> list[Accepted]:
    """The rows of README's two Checkov tables: `| `CKV..` | `pattern`, `pattern` | ... |`."""
    if SECTION not in text:
        raise ScanError(f"README.md has no section {SECTION!r}")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    accepted: list[Accepted] = []
    kind = ""
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) >= 3 and cells[2] in (TRADE_OFF_COLUMN, LIMITATION_COLUMN):
            kind = "trade-off" if cells[2] == TRADE_OFF_COLUMN else "converter limitation"
        elif not line.startswith("|"):
            kind = ""
        elif kind and cells[0].startswith("`CKV"):
            patterns = tuple(re.findall(r"`([^`]+)`", cells[1]))
            if not patterns:
                raise ScanError(f"README.md: the row of {cells[0]} names no resource pattern")
            accepted.append(Accepted(cells[0].strip("`"), patterns, kind))
    if not any(item.kind == "trade-off" for item in accepted):
        raise ScanError(f"README.md: no trade-off table (a column {TRADE_OFF_COLUMN!r}) under {SECTION!r}")
    return accepted


# --- what the converter lost, shown from its own capture of the program -----------------------------------


@dataclass(frozen=True)
class Capture:
    """`capture.py`'s record of one stack: each resource's Pulumi type, name, inputs and mock outputs."""

    resources: list[dict[str, Any]]
    tf_name: Callable[[str], str]
    # The converter's Pulumi type -> Terraform type table.
    types: dict[str, str]

    def by_address(self, address: str) -> dict[str, Any] | None:
        tf_type, _, name = address.partition(".")
        return next(
            (
                resource
                for resource in self.resources
                if self.types.get(resource["type"]) == tf_type and self.tf_name(resource["name"]) == name
            ),
            None,
        )

    def of_type(self, pulumi_type: str) -> list[dict[str, Any]]:
        return [resource for resource in self.resources if resource["type"] == pulumi_type]


def _container_insights(resource: dict[str, Any], plan: dict[str, Any], _: Capture) -> str | None:
    settings = resource["inputs"].get("settings") or []
    on = [item for item in settings if item.get("name") == "containerInsights"]
    if not on or on[0].get("value") not in ("enabled", "enhanced"):
        return None
    if "setting" in plan:
        return None
    return (
        f"the stack sets settings=[containerInsights={on[0]['value']}]; the plan carries it as `settings` "
        "(Pulumi's name), and Checkov reads Terraform's block `setting`"
    )


def _multipart_abort(resource: dict[str, Any], plan: dict[str, Any], _: Capture) -> str | None:
    rules = resource["inputs"].get("rules") or []
    aborting = [
        rule
        for rule in rules
        if rule.get("status") == "Enabled"
        and (rule.get("abortIncompleteMultipartUpload") or {}).get("daysAfterInitiation")
        and not any((rule.get("filter") or {}).values())
    ]
    if not aborting or "rule" in plan:
        return None
    days = int(aborting[0]["abortIncompleteMultipartUpload"]["daysAfterInitiation"])
    return (
        f"the stack's enabled whole-bucket rule {aborting[0].get('id')!r} aborts incomplete uploads after "
        f"{days} days; the plan carries it under `rules` (Pulumi's name), and Checkov reads Terraform's "
        "`rule`"
    )


def _trail_log_group(resource: dict[str, Any], plan: dict[str, Any], capture: Capture) -> str | None:
    value = resource["inputs"].get("cloudWatchLogsGroupArn")
    if not isinstance(value, str) or ":log-group:" not in value or not value.endswith(":*"):
        return None
    name = value.removesuffix(":*").split(":log-group:", 1)[1]
    groups = [
        group
        for group in capture.of_type("aws:cloudwatch/logGroup:LogGroup")
        if group["inputs"].get("name") == name
    ]
    if not groups or str(plan.get("cloud_watch_logs_group_arn", "")).startswith("aws_cloudwatch_log_group."):
        return None
    mock_arn = groups[0]["outputs"].get("arn")
    return (
        f"the stack sends the trail to its log group {name}: cloud_watch_logs_group_arn is {value}, the "
        "group's ARN with the `:*` CloudTrail requires; the converter joins resources only on whole values "
        f"equal to its mocks' ids and ARNs (it gave the group the ARN {mock_arn}), so the plan has no edge "
        "from the trail to aws_cloudwatch_log_group"
    )


WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"


def _waf_association(resource: dict[str, Any], plan: dict[str, Any], capture: Capture) -> str | None:
    arn = resource["outputs"].get("arn")
    associations = [
        association
        for association in capture.of_type(WEB_ACL_ASSOCIATION)
        if association["inputs"].get("resourceArn") == arn and association["inputs"].get("webAclArn")
    ]
    if not associations or WEB_ACL_ASSOCIATION in capture.types:
        return None
    return (
        f"the stack associates web ACL {associations[0]['inputs']['webAclArn']} with this load balancer "
        "(aws.wafv2.WebAclAssociation); the converter has no Terraform type for aws:wafv2/* and leaves the "
        "association out of the plan"
    )


# Converter limitations: the check id, and how the capture shows the stack sets what Checkov wants (a sentence
# of evidence) or does not (None: the failure is then not accepted).
EVIDENCE: dict[str, Callable[[dict[str, Any], dict[str, Any], Capture], str | None]] = {
    "CKV_AWS_65": _container_insights,
    "CKV_AWS_300": _multipart_abort,
    "CKV2_AWS_10": _trail_log_group,
    "CKV2_AWS_28": _waf_association,
}


# --- running the tools -----------------------------------------------------------------------------------


def run(command: list[str], what: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ScanError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


def convert(
    stack: str, converter: Path, out: Path, types: dict[str, str], tf_name: Callable[[str], str]
) -> tuple[Capture, dict[str, dict[str, Any]], list[str]]:
    """The converter's capture and plan of one stack, and the Pulumi types it left out."""
    capture_file, plan_file = out / f"{stack}.capture.json", out / f"{stack}.plan.json"
    run([sys.executable, str(converter / "capture.py"), ".", stack, "--out", str(capture_file)], "capture.py")
    captured = json.loads(capture_file.read_text(encoding="utf-8"))
    if captured.get("error"):
        raise ScanError(f"{stack}: the program failed under the converter's mocks: {captured['error']}")
    judged = run([sys.executable, str(converter / "judge.py"), str(capture_file), str(plan_file)], "judge.py")
    skipped = sorted(set(re.findall(r"skip \(no TF mapping\): (\S+)", judged.stderr)))
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    values = {item["address"]: item["values"] for item in plan["planned_values"]["root_module"]["resources"]}
    return Capture(captured["resources"], tf_name, types), values, skipped


def converter_tables(converter: Path) -> tuple[dict[str, str], Callable[[str], str]]:
    """The converter's Pulumi type -> Terraform type table (its EXTRA entries included) and its own
    naming, so addresses map back to the capture."""
    sys.path.insert(0, str(converter))
    from judge import TOKEN_TO_TF
    from tfplan import tf_name

    return dict(TOKEN_TO_TF), tf_name


def failed_checks(checkov: Path, plan_file: Path, out_file: Path) -> list[tuple[str, str]]:
    """(check id, Terraform address) of every check Checkov fails on the plan."""
    result = subprocess.run(
        [
            str(checkov),
            "-f",
            str(plan_file),
            "--framework",
            "terraform_plan",
            "--skip-download",
            "-o",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    # Checkov exits 1 when a check fails; anything else, or no JSON, means it did not run.
    if result.returncode not in (0, 1):
        raise ScanError(f"checkov failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    out_file.write_text(result.stdout, encoding="utf-8")
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    return sorted(
        {
            (failed["check_id"], failed["resource"])
            for item in reports
            for failed in item.get("results", {}).get("failed_checks", [])
        }
    )


@dataclass
class Verdict:
    check: str
    address: str
    accepted_as: str | None  # "trade-off", "converter limitation", or None
    why: str


def judge(
    failures: list[tuple[str, str]],
    accepted: list[Accepted],
    capture: Capture,
    plan: dict[str, dict[str, Any]],
) -> list[Verdict]:
    verdicts = []
    for check, address in failures:
        row = next((item for item in accepted if item.covers(check, address)), None)
        if row is None:
            verdicts.append(Verdict(check, address, None, "not accepted in README"))
        elif row.kind == "trade-off":
            verdicts.append(Verdict(check, address, row.kind, "README: trade-off"))
        elif check not in EVIDENCE:
            verdicts.append(
                Verdict(
                    check,
                    address,
                    None,
                    "README calls it a converter limitation; the scan has no evidence for it",
                )
            )
        else:
            resource = capture.by_address(address)
            evidence = EVIDENCE[check](resource, plan.get(address, {}), capture) if resource else None
            if evidence is None:
                verdicts.append(
                    Verdict(check, address, None, "converter limitation not shown: the stack does not set it")
                )
            else:
                verdicts.append(Verdict(check, address, row.kind, evidence))
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make checkov", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--checkov", type=Path, required=True, help="the checkov command of its own virtualenv"
    )
    parser.add_argument("--converter", type=Path, required=True, help="the checkov-plan folder")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "checkov")
    parser.add_argument("stacks", nargs="*", help="stacks to scan (default: every stack in stacks/)")
    args = parser.parse_args(argv)
    try:
        return scan(args)
    except ScanError as error:
        print(f"make checkov: error: {error}", file=sys.stderr)
        return 2


def scan(args: argparse.Namespace) -> int:
    for path, what in ((args.checkov, "checkov"), (args.converter / "capture.py", "the converter")):
        if not path.exists():
            raise ScanError(f"{path}: {what} not found")
    accepted = accepted_in_readme(README.read_text(encoding="utf-8"))
    unknown = sorted({row.check for row in accepted if row.kind != "trade-off"} - set(EVIDENCE))
    if unknown:
        raise ScanError(
            f"README.md names converter limitations this scan cannot verify: {', '.join(unknown)}"
        )
    stacks = args.stacks or stack_names(REPO / "stacks")
    args.out.mkdir(parents=True, exist_ok=True)
    converter = args.converter.resolve()
    types, tf_name = converter_tables(converter)
    reported: set[str] = set()
    refused = 0
    for stack in stacks:
        capture, plan, skipped = convert(stack, converter, args.out, types, tf_name)
        failures = failed_checks(
            args.checkov, args.out / f"{stack}.plan.json", args.out / f"{stack}.checkov.json"
        )
        print(f"\n== {stack}: {len(plan)} resources in the plan, {len(failures)} failed checks")
        print(f"   left out by the converter (no Terraform type): {', '.join(skipped) or 'none'}")
        for verdict in judge(failures, accepted, capture, plan):
            reported.add(verdict.check)
            if verdict.accepted_as is None:
                refused += 1
                print(f"   NOT ACCEPTED  {verdict.check} {verdict.address}: {verdict.why}")
            elif verdict.accepted_as == "trade-off":
                print(f"   trade-off     {verdict.check} {verdict.address}")
            else:
                print(f"   converter     {verdict.check} {verdict.address}: {verdict.why}")
    quiet = sorted({row.check for row in accepted} - reported)
    print()
    if quiet:
        print(f"Accepted in README but not reported by any stack in this run: {', '.join(quiet)}")
    if refused:
        print(f"make checkov: {refused} failed check(s) not accepted in README.md ({SECTION[3:]})")
        return 1
    print(f"make checkov: every failed check on {', '.join(stacks)} is accepted in README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
