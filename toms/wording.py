"""Counts in messages, in correct English: `1 day`, `14 days`, `0 days`."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun, singular only for exactly one."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def days(count: int) -> str:
    return counted(count, "day")
