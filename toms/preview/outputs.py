"""What `toms preview` makes of its stacks' outcomes, one stack at a time, so the parent of `--all` never
holds the fleet's results: its memory stays flat however many stacks there are.

Outcomes arrive in the order the workers finish; `StackStream` hands them on in stack order. Each stack in
turn is shown on the console, its `--json` result (`StackResult`, the model of `toms/preview/result.py`) and
its `--sarif` run (`sarif_model.Run`) are validated by their models and appended to scratch files as the text
they take in the merged file, and what the summary and the exit code need (`StackTally`) is kept. A stack
that finishes before an earlier one waits in the scratch folder, not in memory. At the end the merged JSON
and SARIF are written by streaming those scratch files between the document's head (tool) and tail
(summary): the same text the whole document's model writes.
"""

from __future__ import annotations

import contextlib
import pickle
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from toms.preview.model import PreviewOutcome, StackTally

# The merged documents are indented by 2 and their list of stacks is a member of the top-level object.
INDENT = 2


class ListSpool:
    """The members of one list of a JSON document, appended one at a time to a scratch file as the text they
    take in the document (pretty-printed by `INDENT`, the list a member of the top-level object)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = path.open("w", encoding="utf-8")

    def append(self, member_text: str) -> None:
        """A member as its model writes it alone, pretty-printed by `INDENT`."""
        assert self._file is not None
        depth = " " * (2 * INDENT)
        self._file.write(("," if self.count else "") + "\n" + depth + member_text.replace("\n", "\n" + depth))
        self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def write_document(self, path: Path, empty_document_text: str, key: str) -> None:
        """Write to `path` the document whose text with an empty list at `key` is `empty_document_text`,
        with this spool's members in that list."""
        self.close()
        empty = f'"{key}": []'
        head, found, tail = empty_document_text.partition(empty)
        if not found:
            raise ValueError(f"the document has no empty {key!r} list at the top level")
        with path.open("w", encoding="utf-8") as out:
            out.write(head)
            if self.count:
                out.write(f'"{key}": [')
                with self.path.open(encoding="utf-8") as members:
                    shutil.copyfileobj(members, out)
                out.write("\n" + " " * INDENT + "]")
            else:
                out.write(empty)
            out.write(tail)


class StackStream:
    """Takes each stack's outcome as it arrives (`arrived`, in any order) and hands the outcomes on in stack
    order, one at a time: to `show`, to the `--json` and `--sarif` spools, and to `tallies`."""

    def __init__(
        self,
        show: Callable[[int, PreviewOutcome], None],
        *,
        json_path: Path | None = None,
        sarif_path: Path | None = None,
    ) -> None:
        self.show = show
        self.json_path = json_path
        self.sarif_path = sarif_path
        self.tallies: list[StackTally] = []
        self._scratch = tempfile.TemporaryDirectory(prefix="toms-preview-")
        scratch = Path(self._scratch.name)
        self._early: set[int] = set()
        self._results = ListSpool(scratch / "previews.json") if json_path is not None else None
        self._runs = ListSpool(scratch / "runs.sarif") if sarif_path is not None else None

    def __enter__(self) -> StackStream:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for spool in (self._results, self._runs):
            if spool is not None:
                spool.close()
        with contextlib.suppress(OSError):
            self._scratch.cleanup()

    def _waiting(self, index: int) -> Path:
        return Path(self._scratch.name) / f"{index}.outcome"

    def arrived(self, index: int, outcome: PreviewOutcome) -> None:
        """Stack `index`'s outcome: handed on now when every earlier stack's was, else when they are."""
        if index != len(self.tallies):
            self._waiting(index).write_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
            self._early.add(index)
            return
        self._hand_on(outcome)
        while (following := len(self.tallies)) in self._early:
            self._early.remove(following)
            waiting = self._waiting(following)
            earlier = pickle.loads(waiting.read_bytes())  # noqa: S301 - written above by this process
            waiting.unlink()
            self._hand_on(earlier)

    def _hand_on(self, outcome: PreviewOutcome) -> None:
        index = len(self.tallies)
        self.show(index, outcome)
        # The report modules load only when a report is asked for: a one-stack preview starts sooner.
        if self._results is not None:
            from toms.preview import json_report

            self._results.append(json_report.stack_result_text(outcome))
        if self._runs is not None:
            from toms.preview import sarif

            self._runs.append(sarif.stack_run_text(outcome))
        self.tallies.append(StackTally.of(outcome))

    def write_reports(self) -> None:
        """The merged `--json` and `--sarif` files from the spools (OSError when one cannot be written)."""
        if self._results is not None and self.json_path is not None:
            from toms.preview import json_report

            report = json_report.report_frame(self.tallies).to_json()
            self._results.write_document(self.json_path, report, "previews")
        if self._runs is not None and self.sarif_path is not None:
            from toms.preview import sarif

            self._runs.write_document(self.sarif_path, sarif.log_text(sarif.log_frame()), "runs")
