"""`make bench` says what it is about to measure and roughly how long that takes, before it starts."""

from __future__ import annotations

import pytest

from toms import bench


def test_every_section_has_a_description_and_an_estimate() -> None:
    assert set(bench.ABOUT_SECONDS) == {section.__name__ for section in bench.BENCHES}
    assert all((section.__doc__ or "").strip() for section in bench.BENCHES)


def test_the_plan_comes_first_and_names_each_section_with_its_time(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    printed_before: list[str] = []

    def bench_first() -> None:
        """Measures the first thing."""
        printed_before.append(capsys.readouterr().out)

    def bench_second() -> None:
        """Measures the second thing."""

    monkeypatch.setattr(bench, "BENCHES", [bench_first, bench_second])
    monkeypatch.setattr(bench, "ABOUT_SECONDS", {"bench_first": 20, "bench_second": 100})

    assert bench.main([]) == 0

    assert printed_before[0] == (
        "toms.bench: 2 sections, about 2 min in all on an idle 2-core machine (longer when other work shares "
        "it); each figure is printed as it is measured.\n"
        "  first (about 20 s): Measures the first thing.\n"
        "  second (about 2 min): Measures the second thing.\n"
        "\n"
        "== first\n"
    )
    assert capsys.readouterr().out == "(first took 0 s)\n\n== second\n(second took 0 s)\n"


def test_a_chosen_section_gets_its_own_plan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def bench_fleet() -> None:
        """Measures the fleet."""

    monkeypatch.setattr(bench, "BENCHES", [bench_fleet])
    monkeypatch.setattr(bench, "ABOUT_SECONDS", {"bench_fleet": 1000})
    assert bench.main(["fleet"]) == 0
    assert capsys.readouterr().out.startswith(
        "toms.bench: 1 section, about 17 min in all on an idle 2-core machine"
    )
