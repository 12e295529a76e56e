"""`toms restore-drill` against moto, in process: success, and a failure injected at each step in turn.

Failures are injected through botocore's event hooks on the drill's own client, one operation at a time.
moto gaps met here, worked around narrowly:
- moto's restore ignores overrides set to False/0, so the temporary instance inherits the source's
  deletion protection; the drill turns it off explicitly before deleting (as it must anyway if someone
  set it), which these tests exercise because the source has deletion protection on.
- moto's snapshot listings ignore MaxRecords; the drill pages with the paginator and never relies on it.
- moto restores instantly, so a slow or stuck restore is simulated by rewriting the status it reports.
"""

from __future__ import annotations

import io
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from rich.console import Console

from tests.toms.moto_baseline import (
    DatabaseBaseline,
    build_database,
    fake_aws_environment,
    in_account,
    stack_config,
)
from toms.__main__ import main
from toms.live.drill import DRILL_TAG, HEARTBEAT_SECONDS, RestoreDrill, UsageError
from toms.live.session import AwsSession

STEP_NAMES = ["restore", "wait-available", "verify", "delete", "wait-deleted"]
# Seconds between the waiters' polls in these tests: short, so a simulated timeout takes milliseconds.
FAST_POLL = 0.01
ACME = stack_config("acme")


@pytest.fixture
def acme() -> Iterator[DatabaseBaseline]:
    """A fresh account per test (a drill creates and deletes): only the key, network and database."""
    with fake_aws_environment(), mock_aws(), in_account(ACME.account_id):
        yield build_database(ACME)


@pytest.fixture
def session(acme: DatabaseBaseline) -> AwsSession:
    return AwsSession(acme.region)


@pytest.fixture
def rds(session: AwsSession) -> Any:
    """The drill's own RDS client: failures are injected through its event hooks."""
    return session.client("rds")


def drill_for(
    session: AwsSession,
    source: str = "toms-acme",
    max_wait_minutes: float = 5,
    console: Console | None = None,
) -> RestoreDrill:
    return RestoreDrill(
        session,
        source,
        max_wait_minutes,
        waiter_delay=FAST_POLL,
        console=console or Console(file=io.StringIO(), width=200),
    )


def run_drill(session: AwsSession, max_wait_minutes: float = 5, **run_args: Any) -> dict[str, Any]:
    """A drill's evidence as the JSON it is written as."""
    return drill_for(session, max_wait_minutes=max_wait_minutes).run(**run_args).model_dump(mode="json")


def leftovers(rds: Any, source: str = "toms-acme") -> dict[str, list[str]]:
    """Instances and snapshots that are not the source's: a drill must leave none behind."""
    instances = [
        instance["DBInstanceIdentifier"]
        for page in rds.get_paginator("describe_db_instances").paginate()
        for instance in page["DBInstances"]
        if instance["DBInstanceIdentifier"] != source
    ]
    snapshots = [
        snapshot["DBSnapshotIdentifier"]
        for page in rds.get_paginator("describe_db_snapshots").paginate()
        for snapshot in page["DBSnapshots"]
        if snapshot["DBInstanceIdentifier"] != source
    ]
    return {"instances": instances, "snapshots": snapshots}


def step_outcomes(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    return [(step["name"], step["status"]) for step in evidence["steps"]]


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"injected {code}"}}, operation)


def hook_every_rds_client(monkeypatch: pytest.MonkeyPatch, hooks: dict[str, Callable[..., None]]) -> None:
    """Registers each of `hooks` (event name -> handler) on every RDS client the command creates: it opens
    its own session, so the test cannot reach its client otherwise."""
    real_client = AwsSession.client

    def client_with_hooks(self: AwsSession, service: str) -> Any:
        client = real_client(self, service)
        if service == "rds" and not getattr(client, "test_hooks", False):
            for event, handler in hooks.items():
                client.meta.events.register(event, handler)
            client.test_hooks = True
        return client

    monkeypatch.setattr(AwsSession, "client", client_with_hooks)


def test_drill_restores_verifies_and_deletes(
    acme: DatabaseBaseline, session: AwsSession, rds: Any, tmp_path: Path
) -> None:
    restore_requests: list[dict[str, Any]] = []
    rds.meta.events.register(
        "provide-client-params.rds.RestoreDBInstanceFromDBSnapshot",
        lambda params, **_: restore_requests.append(dict(params)),
    )

    evidence = run_drill(session, clean_up_previous=False)

    assert evidence["result"] == "PASS", evidence["error"]
    assert evidence["error"] is None
    assert step_outcomes(evidence) == [(name, "ok") for name in STEP_NAMES]
    assert evidence["source"] == {
        "db_instance": "toms-acme",
        "arn": acme.db_arn,
        "engine": "postgres",
        "engine_version": ACME.database.engine_version,
        "kms_key_id": acme.key_arn,
    }
    assert evidence["snapshot"]["type"] == "automated"
    assert evidence["snapshot"]["id"].startswith("rds:toms-acme-")
    assert evidence["temporary_instance"].startswith("toms-acme-drill-")
    assert isinstance(evidence["restore_seconds"], float)
    assert "encrypted with " + acme.key_arn in evidence["steps"][2]["detail"]
    [request] = restore_requests
    assert request["DBSubnetGroupName"] == acme.subnet_group
    assert request["VpcSecurityGroupIds"] == [acme.security_group]
    assert request["DBParameterGroupName"] == acme.parameter_group
    assert (request["PubliclyAccessible"], request["DeletionProtection"]) == (False, False)
    assert {tag["Key"]: tag["Value"] for tag in request["Tags"]} == {
        DRILL_TAG: "toms-acme",
        "client": "acme",
        "managed-by": "toms-restore-drill",
    }
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_the_newest_snapshot_is_restored_manual_or_automated(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    rds.create_db_snapshot(DBInstanceIdentifier="toms-acme", DBSnapshotIdentifier="toms-acme-before-upgrade")

    evidence = run_drill(session, clean_up_previous=False)

    assert evidence["snapshot"]["id"] == "toms-acme-before-upgrade"
    assert evidence["snapshot"]["type"] == "manual"
    assert evidence["result"] == "PASS"


def test_restore_failure_after_the_instance_was_created_cleans_up(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    # The request reached RDS and created the instance, but the answer was an error (as after a timeout).
    def fail_after_creating(**_: Any) -> None:
        raise client_error("InternalFailure", "RestoreDBInstanceFromDBSnapshot")

    rds.meta.events.register("after-call.rds.RestoreDBInstanceFromDBSnapshot", fail_after_creating)

    evidence = run_drill(session, clean_up_previous=False)

    assert evidence["result"] == "FAIL"
    assert evidence["error"] == "restore failed: InternalFailure: injected InternalFailure"
    assert step_outcomes(evidence) == [("restore", "failed"), ("delete", "ok"), ("wait-deleted", "ok")]
    assert evidence["restore_seconds"] is None
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_restore_refused_leaves_nothing_to_clean(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    def refuse(**_: Any) -> None:
        raise client_error("AccessDenied", "RestoreDBInstanceFromDBSnapshot")

    rds.meta.events.register("before-call.rds.RestoreDBInstanceFromDBSnapshot", refuse)

    evidence = run_drill(session, clean_up_previous=False)

    assert step_outcomes(evidence) == [("restore", "failed")]
    assert evidence["steps"][0]["detail"] == "AccessDenied: injected AccessDenied"
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_a_failed_restore_never_deletes_an_instance_the_drill_did_not_create(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    # Someone else's instance already has the name the drill picks: the restore is refused
    # (DBInstanceAlreadyExists), and the cleanup must leave that instance alone.
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    taken = drill_for(session).temporary_identifier(moment)
    rds.create_db_instance(
        DBInstanceIdentifier=taken, DBInstanceClass="db.t3.micro", Engine="postgres", AllocatedStorage=20
    )

    evidence = run_drill(session, clean_up_previous=False, now=lambda: moment)

    assert evidence["result"] == "FAIL"
    assert step_outcomes(evidence) == [("restore", "failed")]
    assert "DBInstanceAlreadyExists" in evidence["error"]
    assert leftovers(rds)["instances"] == [taken]


def test_wait_timeout_cleans_up(acme: DatabaseBaseline, session: AwsSession, rds: Any) -> None:
    stuck = {"creating": True}

    def report_creating(parsed: dict[str, Any], **_: Any) -> None:
        for instance in parsed.get("DBInstances", []):
            if stuck["creating"] and instance["DBInstanceIdentifier"].startswith("toms-acme-drill-"):
                instance["DBInstanceStatus"] = "creating"

    def unstick(**_: Any) -> None:
        stuck["creating"] = False

    rds.meta.events.register("after-call.rds.DescribeDBInstances", report_creating)
    rds.meta.events.register("before-call.rds.DeleteDBInstance", unstick)

    # 0.001 minutes = 0.06 s of polling every 0.01 s: the waiter gives up after 6 attempts.
    evidence = run_drill(session, max_wait_minutes=0.001, clean_up_previous=False)

    assert evidence["result"] == "FAIL"
    assert step_outcomes(evidence) == [
        ("restore", "ok"),
        ("wait-available", "failed"),
        ("delete", "ok"),
        ("wait-deleted", "ok"),
    ]
    assert "Max attempts exceeded" in evidence["steps"][1]["detail"]
    assert evidence["error"].startswith("wait-available failed")
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_verify_failure_on_a_different_key_cleans_up(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    # A manual copy re-encrypted with another key is the newest snapshot: restorable, but not what the
    # source is, so the drill must fail it.
    other_key = boto3.client("kms", region_name=acme.region).create_key()["KeyMetadata"]["Arn"]
    automated = rds.describe_db_snapshots(DBInstanceIdentifier="toms-acme", SnapshotType="automated")[
        "DBSnapshots"
    ]
    rds.copy_db_snapshot(
        SourceDBSnapshotIdentifier=automated[0]["DBSnapshotIdentifier"],
        TargetDBSnapshotIdentifier="toms-acme-other-key",
        KmsKeyId=other_key,
    )

    evidence = run_drill(session, clean_up_previous=False)

    assert evidence["snapshot"]["id"] == "toms-acme-other-key"
    assert evidence["result"] == "FAIL"
    assert step_outcomes(evidence) == [
        ("restore", "ok"),
        ("wait-available", "ok"),
        ("verify", "failed"),
        ("delete", "ok"),
        ("wait-deleted", "ok"),
    ]
    assert f"KmsKeyId is '{other_key}', expected '{acme.key_arn}'" in evidence["steps"][2]["detail"]
    assert evidence["error"].startswith("verify failed: KmsKeyId")
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_delete_failure_is_retried_by_the_cleanup(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    calls = {"delete": 0}

    def fail_first_delete(**_: Any) -> None:
        calls["delete"] += 1
        if calls["delete"] == 1:
            raise client_error("InvalidDBInstanceState", "DeleteDBInstance")

    rds.meta.events.register("before-call.rds.DeleteDBInstance", fail_first_delete)

    evidence = run_drill(session, clean_up_previous=False)

    assert evidence["result"] == "FAIL"
    assert step_outcomes(evidence) == [
        ("restore", "ok"),
        ("wait-available", "ok"),
        ("verify", "ok"),
        ("delete", "failed"),
        ("delete", "ok"),
        ("wait-deleted", "ok"),
    ]
    assert evidence["error"] == "delete failed: InvalidDBInstanceState: injected InvalidDBInstanceState"
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_a_delete_that_keeps_failing_says_what_is_left_and_the_next_drill_refuses(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    def refuse(**_: Any) -> None:
        raise client_error("AccessDenied", "DeleteDBInstance")

    rds.meta.events.register("before-call.rds.DeleteDBInstance", refuse)
    evidence = run_drill(session, clean_up_previous=False)
    left_behind = evidence["temporary_instance"]

    assert evidence["result"] == "FAIL"
    assert f"{left_behind} may still exist" in evidence["error"]
    assert leftovers(rds)["instances"] == [left_behind]

    rds.meta.events.unregister("before-call.rds.DeleteDBInstance", refuse)
    with pytest.raises(UsageError, match="rerun with --clean-up-previous"):
        run_drill(session, clean_up_previous=False)
    assert leftovers(rds)["instances"] == [left_behind]

    evidence = run_drill(session, clean_up_previous=True)

    assert evidence["result"] == "PASS"
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_ctrl_c_while_waiting_cleans_up(acme: DatabaseBaseline, session: AwsSession, rds: Any) -> None:
    interrupted = {"done": False}

    # The first look at the temporary instance is the waiter's.
    def press_ctrl_c(parsed: dict[str, Any], **_: Any) -> None:
        instances = parsed.get("DBInstances", [])
        if not interrupted["done"] and [i for i in instances if i["DBInstanceIdentifier"] != "toms-acme"]:
            interrupted["done"] = True
            raise KeyboardInterrupt

    rds.meta.events.register("after-call.rds.DescribeDBInstances", press_ctrl_c)

    evidence = run_drill(session, clean_up_previous=False)

    assert evidence["error"] == "interrupted (Ctrl-C)"
    assert evidence["result"] == "FAIL"
    assert step_outcomes(evidence)[:2] == [("restore", "ok"), ("wait-available", "failed")]
    assert evidence["steps"][1]["detail"] == "interrupted (Ctrl-C)"
    assert step_outcomes(evidence)[2:] == [("delete", "ok"), ("wait-deleted", "ok")]
    assert leftovers(rds) == {"instances": [], "snapshots": []}


def test_no_available_snapshot_is_a_failure_without_a_restore(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    def no_snapshots(parsed: dict[str, Any], **_: Any) -> None:
        parsed["DBSnapshots"] = []

    rds.meta.events.register("after-call.rds.DescribeDBSnapshots", no_snapshots)

    evidence = run_drill(session, clean_up_previous=False)

    assert evidence["result"] == "FAIL"
    assert evidence["error"] == "no available snapshot of toms-acme to restore"
    assert evidence["steps"] == []
    assert evidence["snapshot"] is None


def test_command_writes_the_evidence_and_exits_0(acme: DatabaseBaseline, tmp_path: Path) -> None:
    evidence_file = tmp_path / "drill.json"

    code = main(["restore-drill", "--db-instance", "toms-acme", "--evidence", str(evidence_file)])

    assert code == 0
    evidence = json.loads(evidence_file.read_text())
    assert set(evidence) == {
        "tool",
        "toms_version",
        "account",
        "partition",
        "region",
        "source",
        "snapshot",
        "temporary_instance",
        "steps",
        "restore_seconds",
        "result",
        "error",
        "interrupted_by",
        "started_at",
        "finished_at",
    }
    assert (evidence["tool"], evidence["account"], evidence["region"], evidence["result"]) == (
        "toms restore-drill",
        ACME.account_id,
        ACME.region,
        "PASS",
    )
    assert set(evidence["snapshot"]) == {"id", "type", "created_at"}
    assert set(evidence["steps"][0]) == {
        "name",
        "started_at",
        "finished_at",
        "seconds",
        "status",
        "detail",
        "statuses",
    }


def test_command_usage_errors_exit_2(acme: DatabaseBaseline, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["restore-drill", "--db-instance", "nope"]) == 2
    assert capsys.readouterr().err.strip() == (
        "toms restore-drill: error: no DB instance nope in this account and region"
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["restore-drill", "--db-instance", "toms-acme", "--max-wait-minutes", "0"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("stop", "reason"),
    [
        (signal.SIGTERM, "interrupted (SIGTERM)"),
        (signal.SIGHUP, "interrupted (SIGHUP)"),
        (signal.SIGINT, "interrupted (Ctrl-C)"),
    ],
)
def test_sigterm_and_sighup_clean_up_and_write_the_evidence_as_ctrl_c_does(
    acme: DatabaseBaseline,
    stop: signal.Signals,
    reason: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A cancelled CI job sends SIGTERM, a closed terminal SIGHUP: the process signals itself while the
    # drill waits for the temporary instance, exactly where a real restore spends its minutes.
    sent = {"done": False}

    def signal_while_waiting(parsed: dict[str, Any], **_: Any) -> None:
        instances = parsed.get("DBInstances", [])
        if not sent["done"] and [i for i in instances if i["DBInstanceIdentifier"] != "toms-acme"]:
            sent["done"] = True
            os.kill(os.getpid(), stop)

    hook_every_rds_client(monkeypatch, {"after-call.rds.DescribeDBInstances": signal_while_waiting})
    handlers_before = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGHUP)}
    evidence_file = tmp_path / "drill.json"

    code = main(["restore-drill", "--db-instance", "toms-acme", "--evidence", str(evidence_file)])

    assert code == 1
    evidence = json.loads(evidence_file.read_text())
    assert (evidence["result"], evidence["error"], evidence["interrupted_by"]) == ("FAIL", reason, stop.name)
    assert [(step["name"], step["status"]) for step in evidence["steps"]] == [
        ("restore", "ok"),
        ("wait-available", "failed"),
        ("delete", "ok"),
        ("wait-deleted", "ok"),
    ]
    assert evidence["steps"][1]["detail"] == reason
    rds = boto3.client("rds", region_name=acme.region)
    assert leftovers(rds) == {"instances": [], "snapshots": []}
    assert {number: signal.getsignal(number) for number in handlers_before} == handlers_before


@pytest.mark.parametrize("second_at", ["the cleanup's delete request", "the wait for the deletion"])
@pytest.mark.parametrize(
    ("first", "second"), [(signal.SIGTERM, signal.SIGINT), (signal.SIGINT, signal.SIGINT)]
)
def test_a_second_signal_during_the_cleanup_is_noted_and_the_cleanup_finishes(
    acme: DatabaseBaseline,
    first: signal.Signals,
    second: signal.Signals,
    second_at: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The first signal lands while the drill waits for the restore; the second (a CI runner that escalates,
    # a user pressing Ctrl-C again) while the cleanup deletes the temporary instance or waits for that.
    sent: list[signal.Signals] = []

    def first_while_waiting(parsed: dict[str, Any], **_: Any) -> None:
        instances = parsed.get("DBInstances", [])
        if not sent and [i for i in instances if i["DBInstanceIdentifier"] != "toms-acme"]:
            sent.append(first)
            os.kill(os.getpid(), first)

    def second_during_cleanup(**_: Any) -> None:
        if sent == [first]:
            sent.append(second)
            os.kill(os.getpid(), second)

    second_event = (
        "before-call.rds.DeleteDBInstance"
        if second_at == "the cleanup's delete request"
        else "after-call.rds.DeleteDBInstance"
    )
    hook_every_rds_client(
        monkeypatch,
        {"after-call.rds.DescribeDBInstances": first_while_waiting, second_event: second_during_cleanup},
    )
    evidence_file = tmp_path / "drill.json"

    code = main(["restore-drill", "--db-instance", "toms-acme", "--evidence", str(evidence_file)])

    assert sent == [first, second]
    assert code == 1
    evidence = json.loads(evidence_file.read_text())
    reason = "interrupted (Ctrl-C)" if first == signal.SIGINT else f"interrupted ({first.name})"
    assert (evidence["result"], evidence["error"], evidence["interrupted_by"]) == ("FAIL", reason, first.name)
    assert [(step["name"], step["status"]) for step in evidence["steps"]] == [
        ("restore", "ok"),
        ("wait-available", "failed"),
        ("delete", "ok"),
        ("wait-deleted", "ok"),
    ]
    rds = boto3.client("rds", region_name=acme.region)
    assert leftovers(rds) == {"instances": [], "snapshots": []}
    noted = [line for line in capsys.readouterr().out.splitlines() if "received during cleanup" in line]
    assert noted == [
        f"{second.name} received during cleanup: {evidence['temporary_instance']} is deleted first, then the "
        "drill stops"
    ]


def test_without_a_terminal_a_heartbeat_says_the_wait_goes_on_and_the_evidence_times_each_wait(
    acme: DatabaseBaseline, session: AwsSession, rds: Any
) -> None:
    assert HEARTBEAT_SECONDS <= 30
    first_seen: list[float] = []

    log = io.StringIO()

    # moto restores at once; a restore is simulated by reporting "creating" for 0.3 s, and on until a
    # heartbeat has named that status (on a loaded machine the heartbeat's thread may run late).
    def creating_for_a_while(parsed: dict[str, Any], **_: Any) -> None:
        for instance in parsed.get("DBInstances", []):
            if instance["DBInstanceIdentifier"].startswith("toms-acme-drill-"):
                first_seen[:] = first_seen or [time.monotonic()]
                waited = time.monotonic() - first_seen[0]
                if waited < 0.3 or ("(last status creating)" not in log.getvalue() and waited < 60):
                    instance["DBInstanceStatus"] = "creating"

    rds.meta.events.register("after-call.rds.DescribeDBInstances", creating_for_a_while)
    drill = drill_for(session, console=Console(file=log, width=80))
    drill.heartbeat_seconds = 0.05

    evidence = drill.run(clean_up_previous=False)

    assert evidence.result == "PASS", evidence.error
    wait = next(step for step in evidence.steps if step.name == "wait-available")
    assert [seen.status for seen in wait.statuses] == ["creating", "available"]
    assert wait.statuses[0].after_seconds < wait.statuses[1].after_seconds <= wait.seconds
    assert wait.seconds >= 0.25
    deleted = next(step for step in evidence.steps if step.name == "wait-deleted")
    assert deleted.statuses[-1].status == "gone"
    beats = [line for line in log.getvalue().splitlines() if "still restoring" in line]
    assert len(beats) >= 2, log.getvalue()
    # Each beat names the last status seen: none yet ("?") before the first answer, then "creating".
    named = [beat.rsplit("(last status ", 1)[1].rstrip(")") for beat in beats]
    order = ["?", "creating", "available"]
    assert "creating" in named and named == sorted(named, key=order.index), log.getvalue()


def test_the_evidence_path_is_checked_before_anything_is_restored(
    acme: DatabaseBaseline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing" / "drill.json"

    assert main(["restore-drill", "--db-instance", "toms-acme", "--evidence", str(missing)]) == 2

    assert capsys.readouterr().err.strip() == (
        f"toms restore-drill: error: --evidence {missing}: the folder {missing.parent} does not exist"
    )
    rds = boto3.client("rds", region_name=acme.region)
    assert leftovers(rds) == {"instances": [], "snapshots": []}
    assert [s["SnapshotType"] for s in rds.describe_db_snapshots()["DBSnapshots"]] == ["automated"]
