"""`python -m toms restore-drill`: prove that a database restores from its newest snapshot, and how fast.

The drill restores the newest available snapshot (automated or manual) into a temporary, tagged, private
instance beside the source (same subnet group, security groups and parameter group, no deletion
protection), waits for it, checks that it is what the source is (encrypted with the same key, same engine
and version), deletes it without a final snapshot and waits until it is gone. The temporary instance is
deleted on every failure path and on Ctrl-C; a drill refuses to start while an earlier drill's instance of
the same source is still there, unless asked to delete it first. The evidence JSON records each step.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from policies.toms_pack import standards
from toms import __version__
from toms.aws import AwsContext, AwsSetupError, error_code, error_message, iso_utc, tags_to_dict

COMMAND = "restore-drill"
HELP = (
    "Restore a database's newest snapshot into a temporary instance, verify it, delete it, record evidence."
)

# The tag that marks a drill's temporary instance; its value is the source instance's identifier.
DRILL_TAG = "toms-restore-drill"
# The temporary instance is not part of the baseline: this keeps the audit, which selects
# `managed-by=pulumi`, from reporting it.
DRILL_MANAGED_BY = "toms-restore-drill"
DEFAULT_MAX_WAIT_MINUTES = 90
DEFAULT_WAITER_DELAY_SECONDS = 30
# RDS instance identifiers are at most 63 characters; the suffix is `-drill-YYYYmmddHHMMSS`.
_IDENTIFIER_MAX = 63
_SUFFIX_FORMAT = "-drill-%Y%m%d%H%M%S"

_STEP_ERRORS = (ClientError, BotoCoreError, WaiterError)


class UsageError(Exception):
    """The drill cannot start as asked: exit 2, nothing created."""


class StepFailed(Exception):
    """A step failed; the message says which and why."""


@dataclass
class Step:
    name: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "ok"
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "started_at": iso_utc(self.started_at),
            "finished_at": iso_utc(self.finished_at or self.started_at),
            "status": self.status,
            "detail": self.detail,
        }


@dataclass
class RestoreDrill:
    """One drill against one source instance. `waiter_delay` is the seconds between status polls (> 0)."""

    rds: Any
    source_id: str
    max_wait_minutes: float = DEFAULT_MAX_WAIT_MINUTES
    waiter_delay: float = DEFAULT_WAITER_DELAY_SECONDS
    console: Console = field(default_factory=Console)
    steps: list[Step] = field(default_factory=list)

    # Preparation: what is restored, and whether an earlier drill is in the way

    def describe_source(self) -> dict[str, Any]:
        try:
            return self._describe(self.source_id) or self._missing_source()
        except ClientError as error:
            raise UsageError(f"cannot read DB instance {self.source_id}: {error_message(error)}") from None

    def _missing_source(self) -> dict[str, Any]:
        raise UsageError(f"no DB instance {self.source_id} in this account and region")

    def previous_instances(self) -> list[str]:
        """Temporary instances an earlier drill of this source left behind."""
        pages = self.rds.get_paginator("describe_db_instances").paginate()
        return sorted(
            instance["DBInstanceIdentifier"]
            for page in pages
            for instance in page["DBInstances"]
            if self._is_drill_instance(instance)
        )

    def clean_up_previous(self, identifiers: list[str]) -> None:
        for identifier in identifiers:
            self.console.print(f"Deleting {identifier}, left behind by an earlier drill")
            self._delete(identifier)
            self._wait_deleted(identifier)

    def newest_snapshot(self) -> dict[str, Any] | None:
        # Without SnapshotType, RDS lists the instance's automated and manual snapshots together.
        pages = self.rds.get_paginator("describe_db_snapshots").paginate(DBInstanceIdentifier=self.source_id)
        snapshots = [
            snapshot
            for page in pages
            for snapshot in page["DBSnapshots"]
            if snapshot.get("Status") == "available"
            and snapshot.get("SnapshotType") in ("automated", "manual")
            and snapshot.get("SnapshotCreateTime")
        ]
        return max(snapshots, key=lambda snapshot: snapshot["SnapshotCreateTime"], default=None)

    def temporary_identifier(self, now: datetime) -> str:
        suffix = now.strftime(_SUFFIX_FORMAT)
        return self.source_id[: _IDENTIFIER_MAX - len(suffix)].rstrip("-") + suffix

    # The drill

    def run(
        self, clean_up_previous: bool, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> dict[str, Any]:
        """Runs the drill and returns its evidence. Raises UsageError before creating anything."""
        started_at = now()
        source = self.describe_source()
        previous = self.previous_instances()
        if previous and not clean_up_previous:
            raise UsageError(
                f"an earlier drill's instance still exists ({', '.join(previous)}); "
                "rerun with --clean-up-previous to delete it first"
            )
        if previous:
            self.clean_up_previous(previous)
        evidence: dict[str, Any] = {
            "tool": "toms restore-drill",
            "toms_version": __version__,
            "region": self.rds.meta.region_name,
            "source": {
                "db_instance": self.source_id,
                "arn": source.get("DBInstanceArn"),
                "engine": source.get("Engine"),
                "engine_version": source.get("EngineVersion"),
                "kms_key_id": source.get("KmsKeyId"),
            },
            "snapshot": None,
            "temporary_instance": None,
            "steps": [],
            "restore_seconds": None,
            "result": "FAIL",
            "error": None,
            "started_at": iso_utc(started_at),
            "finished_at": None,
        }
        error = self._run_steps(source, evidence, now)
        evidence["steps"] = [step.to_json() for step in self.steps]
        evidence["error"] = error
        evidence["result"] = "PASS" if error is None else "FAIL"
        evidence["finished_at"] = iso_utc(now())
        return evidence

    def _run_steps(
        self, source: dict[str, Any], evidence: dict[str, Any], now: Callable[[], datetime]
    ) -> str | None:
        snapshot = self.newest_snapshot()
        if snapshot is None:
            return f"no available snapshot of {self.source_id} to restore"
        evidence["snapshot"] = {
            "id": snapshot["DBSnapshotIdentifier"],
            "type": snapshot["SnapshotType"],
            "created_at": iso_utc(snapshot["SnapshotCreateTime"]),
        }
        temporary = self.temporary_identifier(now())
        evidence["temporary_instance"] = temporary
        error: str | None = None
        deleted = False
        try:
            restore_started = time.monotonic()
            self._step("restore", lambda: self._restore(source, snapshot, temporary))
            self._step("wait-available", lambda: self._wait_available(temporary))
            evidence["restore_seconds"] = round(time.monotonic() - restore_started, 3)
            self._step("verify", lambda: self._verify(source, temporary))
            self._step("delete", lambda: self._delete(temporary))
            self._step("wait-deleted", lambda: self._wait_deleted(temporary))
            deleted = True
        except StepFailed as failure:
            error = str(failure)
        except KeyboardInterrupt:
            error = "interrupted (Ctrl-C)"
        if not deleted:
            cleanup_error = self._clean_up(temporary)
            if cleanup_error:
                error = f"{error}; {cleanup_error}"
        return error

    def _clean_up(self, identifier: str) -> str | None:
        """Deletes the temporary instance after a failure; says what is left behind if that fails too."""
        try:
            existing = self._describe(identifier)
            # A restore refused because the name was taken created nothing: the instance under that name
            # belongs to someone else and must not be deleted.
            if existing is None or not self._is_drill_instance(existing):
                return None
            if existing.get("DBInstanceStatus") != "deleting":
                self._step("delete", lambda: self._delete(identifier, wait_if_busy=True))
            self._step("wait-deleted", lambda: self._wait_deleted(identifier))
        except (StepFailed, KeyboardInterrupt, *_STEP_ERRORS) as failure:
            reason = (
                "interrupted (Ctrl-C)" if isinstance(failure, KeyboardInterrupt) else error_message(failure)
            )
            message = (
                f"cleanup failed ({reason}): {identifier} may still exist; "
                "delete it, or rerun with --clean-up-previous"
            )
            self.console.print(f"[bold red]{message}[/]")
            return message
        return None

    def _is_drill_instance(self, instance: dict[str, Any]) -> bool:
        return tags_to_dict(instance.get("TagList")).get(DRILL_TAG) == self.source_id

    @contextmanager
    def _recorded(self, name: str) -> Iterator[Step]:
        step = Step(name, datetime.now(UTC))
        self.steps.append(step)
        self.console.print(f"[bold]{name}[/] ...")
        try:
            yield step
        except KeyboardInterrupt:
            step.status, step.detail = "failed", "interrupted (Ctrl-C)"
            raise
        except (StepFailed, *_STEP_ERRORS) as failure:
            step.status = "failed"
            step.detail = error_message(failure)
            self.console.print(f"[bold red]{name} failed:[/] {step.detail}")
            raise StepFailed(f"{name} failed: {step.detail}") from failure
        finally:
            step.finished_at = datetime.now(UTC)
        self.console.print(f"[green]{name} ok[/] {step.detail}")

    def _step(self, name: str, action: Callable[[], str]) -> None:
        with self._recorded(name) as step:
            step.detail = action()

    # Steps: each returns the detail recorded in the evidence

    def _restore(self, source: dict[str, Any], snapshot: dict[str, Any], identifier: str) -> str:
        tags = {DRILL_TAG: self.source_id, standards.TAG_MANAGED_BY: DRILL_MANAGED_BY}
        client = tags_to_dict(source.get("TagList")).get(standards.TAG_CLIENT)
        if client:
            tags[standards.TAG_CLIENT] = client
        arguments: dict[str, Any] = {
            "DBInstanceIdentifier": identifier,
            "DBSnapshotIdentifier": snapshot["DBSnapshotIdentifier"],
            "DBInstanceClass": source["DBInstanceClass"],
            "VpcSecurityGroupIds": [
                group["VpcSecurityGroupId"] for group in source.get("VpcSecurityGroups", [])
            ],
            "PubliclyAccessible": False,
            "MultiAZ": False,
            "DeletionProtection": False,
            "CopyTagsToSnapshot": False,
            "Tags": [{"Key": key, "Value": value} for key, value in tags.items()],
        }
        subnet_group = source.get("DBSubnetGroup", {}).get("DBSubnetGroupName")
        if subnet_group:
            arguments["DBSubnetGroupName"] = subnet_group
        parameter_groups = source.get("DBParameterGroups", [])
        if parameter_groups:
            arguments["DBParameterGroupName"] = parameter_groups[0]["DBParameterGroupName"]
        self.rds.restore_db_instance_from_db_snapshot(**arguments)
        return f"{identifier} from {snapshot['DBSnapshotIdentifier']}"

    def _waiter_config(self) -> dict[str, Any]:
        """Polls every `waiter_delay` seconds for at most --max-wait-minutes."""
        return {
            "Delay": self.waiter_delay,
            "MaxAttempts": max(1, math.ceil(self.max_wait_minutes * 60 / self.waiter_delay)),
        }

    def _wait_available(self, identifier: str) -> str:
        with self._progress(identifier, "restoring"):
            self.rds.get_waiter("db_instance_available").wait(
                DBInstanceIdentifier=identifier, WaiterConfig=self._waiter_config()
            )
        return f"{identifier} available"

    def _verify(self, source: dict[str, Any], identifier: str) -> str:
        restored = self._describe(identifier) or {}
        expected = {
            "DBInstanceStatus": "available",
            "StorageEncrypted": True,
            "KmsKeyId": source.get("KmsKeyId"),
            "Engine": source.get("Engine"),
            "EngineVersion": source.get("EngineVersion"),
            "PubliclyAccessible": False,
        }
        mismatches = [
            f"{key} is {restored.get(key)!r}, expected {value!r}"
            for key, value in expected.items()
            if restored.get(key) != value
        ]
        if not source.get("StorageEncrypted"):
            mismatches.append("the source instance itself is not encrypted")
        if mismatches:
            raise StepFailed("; ".join(mismatches))
        return (
            f"available, encrypted with {restored['KmsKeyId']}, "
            f"{restored['Engine']} {restored['EngineVersion']}, not publicly accessible"
        )

    def _delete(self, identifier: str, wait_if_busy: bool = False) -> str:
        instance = self._describe(identifier)
        if instance is None:
            return f"{identifier} already gone"
        # The restore asks for no deletion protection, but an instance may still carry it (moto copies the
        # source's, and an operator may have set it): turn it off rather than leave the instance behind.
        if instance.get("DeletionProtection"):
            self.rds.modify_db_instance(
                DBInstanceIdentifier=identifier, DeletionProtection=False, ApplyImmediately=True
            )
        try:
            self.rds.delete_db_instance(
                DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        except ClientError as error:
            if not (wait_if_busy and error_code(error) == "InvalidDBInstanceState"):
                raise
            # Interrupted mid-restore: RDS deletes an instance only once it has settled.
            self._wait_available(identifier)
            self.rds.delete_db_instance(
                DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        return f"{identifier} deleted without a final snapshot"

    def _wait_deleted(self, identifier: str) -> str:
        with self._progress(identifier, "deleting"):
            self.rds.get_waiter("db_instance_deleted").wait(
                DBInstanceIdentifier=identifier, WaiterConfig=self._waiter_config()
            )
        return f"{identifier} gone"

    def _describe(self, identifier: str) -> dict[str, Any] | None:
        try:
            instances = self.rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
        except ClientError as error:
            if error_code(error) == "DBInstanceNotFound":
                return None
            raise
        return instances[0] if instances else None

    @contextmanager
    def _progress(self, identifier: str, activity: str) -> Iterator[None]:
        """Shows the instance's status and the elapsed time while a waiter polls it.

        The waiter's own DescribeDBInstances calls carry the status, so the display listens to them
        rather than polling a second time. A status change is also printed as a line, for logs.
        """
        started = time.monotonic()
        last_status: list[str] = []
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        )
        task = progress.add_task(f"{identifier}: {activity}")

        def on_describe(parsed: dict[str, Any], **_: Any) -> None:
            instances = parsed.get("DBInstances") or []
            status = instances[0].get("DBInstanceStatus", "?") if instances else "gone"
            progress.update(task, description=f"{identifier}: {status}")
            if not last_status or last_status[-1] != status:
                last_status.append(status)
                elapsed = int(time.monotonic() - started)
                progress.console.print(f"  {elapsed // 60:d}:{elapsed % 60:02d} {identifier} is {status}")

        handler_id = f"toms-restore-drill-progress-{id(task)}-{identifier}"
        events = self.rds.meta.events
        events.register("after-call.rds.DescribeDBInstances", on_describe, unique_id=handler_id)
        try:
            with progress:
                yield
        finally:
            events.unregister("after-call.rds.DescribeDBInstances", unique_id=handler_id)


# The command


def _positive_minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of minutes, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help="AWS region of the database (default: AWS_REGION or the profile's)")
    parser.add_argument(
        "--db-instance", required=True, metavar="ID", help="identifier of the source DB instance"
    )
    parser.add_argument(
        "--max-wait-minutes",
        type=_positive_minutes,
        default=DEFAULT_MAX_WAIT_MINUTES,
        metavar="N",
        help=f"stop waiting for the restore or deletion after N minutes (default {DEFAULT_MAX_WAIT_MINUTES})",
    )
    parser.add_argument("--evidence", type=Path, metavar="FILE", help="write the drill's evidence as JSON")
    parser.add_argument(
        "--clean-up-previous",
        action="store_true",
        help="delete an earlier drill's temporary instance of this database before starting",
    )


def run(args: argparse.Namespace, waiter_delay: float = DEFAULT_WAITER_DELAY_SECONDS) -> int:
    console = Console()
    try:
        aws = AwsContext(args.region)
        drill = RestoreDrill(
            aws.client("rds"),
            args.db_instance,
            args.max_wait_minutes,
            waiter_delay=waiter_delay,
            console=console,
        )
        evidence = drill.run(args.clean_up_previous)
    except (AwsSetupError, UsageError) as error:
        print(f"toms restore-drill: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # Only the preparation can be interrupted here; the steps handle Ctrl-C themselves.
        print("toms restore-drill: interrupted before the restore started", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        # Only the preparation (reading the source, listing snapshots) reaches here: nothing was created.
        print(f"toms restore-drill: error: {error_message(error)}", file=sys.stderr)
        return 2
    if evidence["result"] == "PASS":
        console.print(f"[bold green]PASS[/]: restored {args.db_instance} in {evidence['restore_seconds']} s")
    else:
        console.print(f"[bold red]FAIL[/]: {evidence['error']}")
    if args.evidence:
        try:
            args.evidence.write_text(json.dumps(evidence, indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            print(f"toms restore-drill: error: cannot write the evidence: {error}", file=sys.stderr)
            return 2
    return 0 if evidence["result"] == "PASS" else 1
