"""Counts in messages: singular for exactly one."""

from __future__ import annotations

import pytest

from toms import wording


@pytest.mark.parametrize(("count", "text"), [(0, "0 days"), (1, "1 day"), (2, "2 days"), (3653, "3653 days")])
def test_days(count: int, text: str) -> None:
    assert wording.days(count) == text


def test_an_irregular_plural() -> None:
    assert wording.counted(1, "policy", "policies") == "1 policy"
    assert wording.counted(51, "policy", "policies") == "51 policies"
