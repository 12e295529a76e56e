"""The processes a test started: found in /proc by a marker in their environment, so that processes
another test process (a pytest-xdist worker) starts at the same time in the same folder are not counted."""

from __future__ import annotations

import os
import time
from pathlib import Path


def owner_marker() -> str:
    """`NAME=value` unique to this call; a process started with it in its environment inherits it, and so
    do its children."""
    return f"TOMS_TEST_PACK_OWNER={os.getpid()}-{time.time_ns()}"


def pack_processes_in(pack_dir: Path, marker: str) -> list[int]:
    """Running policy pack processes started in `pack_dir` (the engine's way: `-m pulumi.policy` there) with
    `marker` in their environment: this test's, not those another test process (a pytest-xdist worker) starts
    in the same folder at the same time. The marker stays with a pack process that outlives its worker."""
    found = []
    for process in Path("/proc").iterdir():
        try:
            command = (process / "cmdline").read_bytes().split(b"\0")
            cwd = (process / "cwd").resolve()
            environment = (process / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"pulumi.policy" in command and cwd == pack_dir.resolve() and marker.encode() in environment:
            found.append(int(process.name))
    return found


def ended(pid: int, within: float = 10.0) -> bool:
    """The process is gone, or a zombie waiting for a parent that never reaps it (killed either way),
    `within` seconds from now at the latest."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in {"Z", "X"}:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
