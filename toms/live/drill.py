"""The restore drill: prove that a database restores from its newest snapshot, and how fast.

The drill restores the newest available snapshot (automated or manual) into a temporary, tagged, private
instance beside the source (same subnet group, security groups and parameter group, no deletion
protection), waits for it, checks that it is what the source is (encrypted with the same key, same engine
and version), deletes it without a final snapshot and waits until it is gone. The temporary instance is
deleted on every failure path and on an interruption (Ctrl-C, and SIGTERM or SIGHUP, which the command
turns into the same `Interrupted`), and a further signal does not cut that deletion short; a drill
refuses to start while an earlier drill's instance of the same source is still there, unless asked to
delete it first. The evidence (`DrillEvidence`) records each step, how long each wait took and the
statuses seen.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, WaiterError
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from policies.toms_pack import standards
from toms import __version__
from toms.live.models import DrillEvidence, DrillSnapshot, DrillSource, DrillStep, StatusSeen
from toms.live.session import AwsSession, error_code, error_message, tags_to_dict, utc_now

# The tag that marks a drill's temporary instance; its value is the source instance's identifier.
DRILL_TAG = "toms-restore-drill"
# The temporary instance is not part of the baseline: this keeps the audit, which selects
# `managed-by=pulumi`, from reporting it.
DRILL_MANAGED_BY = "toms-restore-drill"
DEFAULT_MAX_WAIT_MINUTES = 90
DEFAULT_WAITER_DELAY_SECONDS = 30
# Without a terminal (a CI log), a line at least this often while a wait goes on, so a real restore of many
# minutes does not look hung.
HEARTBEAT_SECONDS = 20.0
# RDS instance identifiers are at most 63 characters; the suffix is `-drill-YYYYmmddHHMMSS`.
_IDENTIFIER_MAX = 63
_SUFFIX_FORMAT = "-drill-%Y%m%d%H%M%S"

_STEP_ERRORS = (ClientError, BotoCoreError, WaiterError)


class UsageError(Exception):
    """The drill cannot start as asked: exit 2, nothing created."""


class StepFailed(Exception):
    """A step failed; the message says which and why."""


class Interrupted(KeyboardInterrupt):
    """The drill was told to stop: Ctrl-C (SIGINT), SIGTERM (a cancelled CI job) or SIGHUP (a closed
    terminal). A KeyboardInterrupt, so every path that cleans up after Ctrl-C cleans up after all three."""

    def __init__(self, signal_name: str = "SIGINT") -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name

    @property
    def reason(self) -> str:
        return "interrupted (Ctrl-C)" if self.signal_name == "SIGINT" else f"interrupted ({self.signal_name})"


def interruption(error: KeyboardInterrupt) -> Interrupted:
    return error if isinstance(error, Interrupted) else Interrupted()


@dataclass
class Step:
    name: str
    started_at: datetime
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0
    status: str = "ok"
    detail: str = ""
    statuses: list[StatusSeen] = field(default_factory=list)
    finished_at: datetime | None = None

    def finish(self) -> None:
        self.seconds = round(time.monotonic() - self.started, 3)
        self.finished_at = utc_now()

    def evidence(self) -> DrillStep:
        return DrillStep(
            name=self.name,
            started_at=self.started_at,
            finished_at=self.finished_at or self.started_at,
            seconds=self.seconds,
            status="ok" if self.status == "ok" else "failed",
            detail=self.detail,
            statuses=self.statuses,
        )


@dataclass
class RestoreDrill:
    """One drill against one source instance. `waiter_delay` is the seconds between status polls (> 0)."""

    session: AwsSession
    source_id: str
    max_wait_minutes: float = DEFAULT_MAX_WAIT_MINUTES
    waiter_delay: float = DEFAULT_WAITER_DELAY_SECONDS
    console: Console = field(default_factory=Console)
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    steps: list[Step] = field(default_factory=list)
    interrupted_by: str | None = None
    # The temporary instance being deleted after a failure or an interruption, while that goes on.
    cleaning_up: str | None = None

    @property
    def rds(self) -> Any:
        return self.session.client("rds")

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

    def run(self, clean_up_previous: bool, now: Callable[[], datetime] = utc_now) -> DrillEvidence:
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
        record: dict[str, Any] = {"snapshot": None, "temporary_instance": None, "restore_seconds": None}
        error = self._run_steps(source, record, now)
        return DrillEvidence(
            toms_version=__version__,
            account=self.session.account_id,
            partition=self.session.partition,
            region=self.session.region,
            started_at=started_at,
            finished_at=now(),
            source=DrillSource(
                db_instance=self.source_id,
                arn=source.get("DBInstanceArn"),
                engine=source.get("Engine"),
                engine_version=source.get("EngineVersion"),
                kms_key_id=source.get("KmsKeyId"),
            ),
            steps=[step.evidence() for step in self.steps],
            result="PASS" if error is None else "FAIL",
            error=error,
            interrupted_by=self.interrupted_by,
            **record,
        )

    def _run_steps(
        self, source: dict[str, Any], record: dict[str, Any], now: Callable[[], datetime]
    ) -> str | None:
        snapshot = self.newest_snapshot()
        if snapshot is None:
            return f"no available snapshot of {self.source_id} to restore"
        record["snapshot"] = DrillSnapshot(
            id=snapshot["DBSnapshotIdentifier"],
            type=snapshot["SnapshotType"],
            created_at=snapshot["SnapshotCreateTime"],
        )
        temporary = self.temporary_identifier(now())
        record["temporary_instance"] = temporary
        error: str | None = None
        deleted = False
        try:
            restore_started = time.monotonic()
            self._step("restore", lambda _: self._restore(source, snapshot, temporary))
            self._step("wait-available", lambda step: self._wait_available(temporary, step))
            record["restore_seconds"] = round(time.monotonic() - restore_started, 3)
            self._step("verify", lambda _: self._verify(source, temporary))
            self._step("delete", lambda _: self._delete(temporary))
            self._step("wait-deleted", lambda step: self._wait_deleted(temporary, step))
            deleted = True
        except StepFailed as failure:
            error = str(failure)
        except KeyboardInterrupt as stop:
            error = self._interrupted(stop)
        if not deleted:
            cleanup_error = self._clean_up(temporary)
            if cleanup_error:
                error = f"{error}; {cleanup_error}"
        return error

    def stop_signal(self, signal_name: str) -> None:
        """What SIGINT, SIGTERM and SIGHUP do while the drill runs (the command installs this): the first
        stops the drill (`Interrupted`), which then deletes its temporary instance. A signal after that, or
        while the instance is being deleted, must not leave it behind: it is noted in one line and the
        cleanup goes on."""
        if self.interrupted_by is None and self.cleaning_up is None:
            self.interrupted_by = signal_name
            raise Interrupted(signal_name)
        instance = self.cleaning_up or "the temporary instance"
        self.console.print(
            f"[bold yellow]{signal_name} received during cleanup:[/] {instance} is deleted first, then the "
            "drill stops",
            highlight=False,
        )

    def _interrupted(self, stop: KeyboardInterrupt) -> str:
        signal = interruption(stop)
        self.interrupted_by = self.interrupted_by or signal.signal_name
        return signal.reason

    def _clean_up(self, identifier: str) -> str | None:
        """Deletes the temporary instance after a failure; says what is left behind if that fails too.
        Signals do not stop it (`stop_signal`)."""
        self.cleaning_up = identifier
        try:
            existing = self._describe(identifier)
            # A restore refused because the name was taken created nothing: the instance under that name
            # belongs to someone else and must not be deleted.
            if existing is None or not self._is_drill_instance(existing):
                return None
            if existing.get("DBInstanceStatus") != "deleting":
                self._step("delete", lambda step: self._delete(identifier, step, wait_if_busy=True))
            self._step("wait-deleted", lambda step: self._wait_deleted(identifier, step))
        except (StepFailed, KeyboardInterrupt, *_STEP_ERRORS) as failure:
            reason = (
                self._interrupted(failure)
                if isinstance(failure, KeyboardInterrupt)
                else error_message(failure)
            )
            message = (
                f"cleanup failed ({reason}): {identifier} may still exist; "
                "delete it, or rerun with --clean-up-previous"
            )
            self.console.print(f"[bold red]{message}[/]", highlight=False)
            return message
        finally:
            self.cleaning_up = None
        return None

    def _is_drill_instance(self, instance: dict[str, Any]) -> bool:
        return tags_to_dict(instance.get("TagList")).get(DRILL_TAG) == self.source_id

    @contextmanager
    def _recorded(self, name: str) -> Iterator[Step]:
        step = Step(name, utc_now())
        self.steps.append(step)
        self.console.print(f"[bold]{name}[/] ...")
        try:
            yield step
        except KeyboardInterrupt as stop:
            step.status, step.detail = "failed", interruption(stop).reason
            raise
        except (StepFailed, *_STEP_ERRORS) as failure:
            step.status = "failed"
            step.detail = error_message(failure)
            self.console.print(f"[bold red]{name} failed:[/] {step.detail}", highlight=False)
            raise StepFailed(f"{name} failed: {step.detail}") from failure
        finally:
            step.finish()
        self.console.print(f"[green]{name} ok[/] {step.detail} ({step.seconds:g} s)", highlight=False)

    def _step(self, name: str, action: Callable[[Step], str]) -> None:
        with self._recorded(name) as step:
            step.detail = action(step)

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

    def _wait_available(self, identifier: str, step: Step | None = None) -> str:
        with self._watching(identifier, "restoring", step):
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

    def _delete(self, identifier: str, step: Step | None = None, wait_if_busy: bool = False) -> str:
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
            self._wait_available(identifier, step)
            self.rds.delete_db_instance(
                DBInstanceIdentifier=identifier, SkipFinalSnapshot=True, DeleteAutomatedBackups=True
            )
        return f"{identifier} deleted without a final snapshot"

    def _wait_deleted(self, identifier: str, step: Step | None = None) -> str:
        with self._watching(identifier, "deleting", step):
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
    def _watching(self, identifier: str, activity: str, step: Step | None) -> Iterator[None]:
        """Shows the instance's status and the elapsed time while a waiter polls it, and records each status.

        The waiter's own DescribeDBInstances calls carry the status, so this listens to them rather than
        polling a second time. A status change is printed as a line, for logs; without a terminal, a
        heartbeat line every `heartbeat_seconds` says the wait goes on.
        """
        started = time.monotonic()
        seen: list[StatusSeen] = step.statuses if step is not None else []
        current = {"status": "?"}
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        )
        task = progress.add_task(f"{identifier}: {activity}")

        def elapsed() -> str:
            seconds = int(time.monotonic() - started)
            return f"{seconds // 60:d}:{seconds % 60:02d}"

        def on_describe(parsed: dict[str, Any], **_: Any) -> None:
            instances = parsed.get("DBInstances") or []
            status = instances[0].get("DBInstanceStatus", "?") if instances else "gone"
            progress.update(task, description=f"{identifier}: {status}")
            if not seen or seen[-1].status != status:
                seen.append(StatusSeen(status=status, after_seconds=round(time.monotonic() - started, 3)))
                current["status"] = status
                progress.console.print(f"  {elapsed()} {identifier} is {status}", highlight=False)

        stop = threading.Event()

        def heartbeat() -> None:
            while not stop.wait(self.heartbeat_seconds):
                self.console.print(
                    f"  {elapsed()} still {activity} {identifier} (last status {current['status']})",
                    highlight=False,
                )

        beating = threading.Thread(target=heartbeat, name="drill-heartbeat", daemon=True)
        if not self.console.is_terminal:
            beating.start()
        handler_id = f"toms-restore-drill-progress-{id(task)}-{identifier}"
        events = self.rds.meta.events
        events.register("after-call.rds.DescribeDBInstances", on_describe, unique_id=handler_id)
        try:
            with progress:
                yield
        finally:
            events.unregister("after-call.rds.DescribeDBInstances", unique_id=handler_id)
            stop.set()
            if beating.is_alive():
                beating.join()
