"""The benchmarks still run: each one at tiny sizes measures something (`make bench` runs them
at full size; their figures and targets are not checked here, they are not tests)."""

from __future__ import annotations

import json

import pytest
from bench import BENCHMARKS
from bench.__main__ import main


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_each_benchmark_runs_at_tiny_sizes_and_gives_positive_figures(name: str) -> None:
    result = BENCHMARKS[name](True)

    assert result.name == name
    assert result.n > 0
    assert result.figure.value > 0
    assert result.baseline.value > 0
    assert result.ratio > 0
    assert all(figure.value >= 0 for figure in result.extras)
    assert result.verdict in {"PASS", "MISS"}


def test_the_command_line_prints_one_json_line_per_result(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["risk", "--quick", "--json"]) == 0

    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert [json.loads(line)["name"] for line in lines] == ["risk"]
    assert json.loads(lines[0])["figure"]["unit"] == "µs/order"
