"""wrk's text report becomes the numbers every load figure is built from."""

from __future__ import annotations

import pytest

from bench.errors import BenchError
from bench.wrk_output import parse_wrk_output, to_milliseconds

CLEAN_RUN = """\
Running 3s test @ http://127.0.0.1:18555/process
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.05ms    1.76ms  22.74ms   81.58%
    Req/Sec    16.11k     4.79k   21.12k    76.67%
  Latency Distribution
     50%    3.22ms
     75%    4.46ms
     90%    6.36ms
     99%   10.69ms
  48067 requests in 3.01s, 9.08MB read
Requests/sec:  15980.43
Transfer/sec:      3.02MB
"""

FAILING_RUN = """\
Running 2s test @ http://127.0.0.1:18555/nothere
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.88ms    9.21ms  67.58ms   91.00%
    Req/Sec    11.06k     3.10k   16.02k    65.00%
  Latency Distribution
     50%  930.00us
     75%    6.89ms
     90%    1.20s
     99%    1.50m
  21999 requests in 2.00s, 3.65MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 21999
Requests/sec:  10983.18
Transfer/sec:      1.82MB
"""


def test_clean_run_reports_throughput_percentiles_and_no_failures() -> None:
    result = parse_wrk_output(CLEAN_RUN)
    assert result.requests == 48067
    assert result.duration_s == pytest.approx(3.01)
    assert result.requests_per_s == pytest.approx(15980.43)
    assert (result.p50_ms, result.p75_ms, result.p90_ms, result.p99_ms) == pytest.approx(
        (3.22, 4.46, 6.36, 10.69)
    )
    assert result.failures == 0


def test_failures_count_non_2xx_and_every_socket_error() -> None:
    result = parse_wrk_output(FAILING_RUN)
    assert result.non_2xx == 21999
    assert result.socket_errors == 10
    assert result.failures == 22009


def test_percentiles_in_other_units_are_converted_to_milliseconds() -> None:
    result = parse_wrk_output(FAILING_RUN)
    assert result.p50_ms == pytest.approx(0.93)
    assert result.p90_ms == pytest.approx(1200.0)
    assert result.p99_ms == pytest.approx(90_000.0)


def test_report_without_latency_distribution_names_the_missing_flag() -> None:
    without = "\n".join(line for line in CLEAN_RUN.splitlines() if "%    " not in line)
    with pytest.raises(BenchError, match="--latency"):
        parse_wrk_output(without)


def test_report_without_summary_lines_is_refused_with_the_text() -> None:
    with pytest.raises(BenchError, match="Requests/sec"):
        parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_unknown_time_unit_is_named() -> None:
    with pytest.raises(BenchError, match="'ns'"):
        to_milliseconds("1.0", "ns")
