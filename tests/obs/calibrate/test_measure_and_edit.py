"""Reading the histogram, refusing non-loopback loads, and editing the catalog's text."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from obs.calibrate.catalog_edit import apply_proposals, validated
from obs.calibrate.exposition import quantile, snapshot
from obs.calibrate.load import LoadRefused, paced_load, require_loopback
from obs.calibrate.measure import ratios
from obs.calibrate.rules import Proposal
from obs.catalog import DEFAULT_CATALOG_PATH, CatalogError

EXPOSITION = """\
# TYPE techno_http_request_duration_seconds histogram
techno_http_request_duration_seconds_bucket{route="/process",le="0.01"} 50
techno_http_request_duration_seconds_bucket{route="/process",le="0.1"} 90
techno_http_request_duration_seconds_bucket{route="/process",le="+Inf"} 100
techno_http_request_duration_seconds_count{route="/process"} 100
techno_http_request_duration_seconds_sum{route="/process"} 3
techno_http_request_duration_seconds_bucket{route="/health",le="0.01"} 7
techno_http_request_duration_seconds_bucket{route="/health",le="0.1"} 7
techno_http_request_duration_seconds_bucket{route="/health",le="+Inf"} 7
techno_http_request_duration_seconds_count{route="/health"} 7
techno_http_request_duration_seconds_sum{route="/health"} 0.01
# TYPE techno_http_requests_total counter
techno_http_requests_total{route="/process",status="200"} 90
techno_http_requests_total{route="/process",status="429"} 6
techno_http_requests_total{route="/process",status="503"} 4
"""


def test_quantiles_interpolate_like_histogram_quantile_for_the_route_only() -> None:
    counts = snapshot(EXPOSITION)
    assert counts.count == 100
    assert quantile(0.5, counts.buckets) == pytest.approx(0.01)
    assert quantile(0.7, counts.buckets) == pytest.approx(0.01 + 0.09 * 20 / 40)
    assert quantile(0.95, counts.buckets) == pytest.approx(0.1)  # +Inf: the last bound
    assert math.isnan(quantile(0.5, {math.inf: 0.0}))
    assert ratios(counts.statuses) == pytest.approx((0.04, 0.06))
    assert ratios(counts.statuses, failed=100) == pytest.approx((104 / 200, 6 / 200))


def test_a_counter_reset_and_a_missing_histogram_are_refused() -> None:
    later = snapshot(EXPOSITION)
    earlier = snapshot(EXPOSITION.replace("} 90\n", "} 95\n", 1))
    with pytest.raises(ValueError, match="went backwards"):
        later.minus(earlier)
    with pytest.raises(ValueError, match="no techno_http_request_duration_seconds_bucket"):
        snapshot(EXPOSITION, route="/nowhere")


def test_only_loopback_is_ever_loaded_and_steps_are_bounded() -> None:
    require_loopback("http://127.0.0.1:8080")
    require_loopback("http://[::1]:8080")
    for url in ("http://10.0.0.5:8080", "http://example.com", "http://0.0.0.0:8080"):
        with pytest.raises(LoadRefused, match="only loads a backend on loopback"):
            require_loopback(url)
    with pytest.raises(LoadRefused, match="outside the bounds"):
        paced_load("http://127.0.0.1:9/process", b"{}", {}, rate=1e9, seconds=1)


def test_proposals_change_only_their_lines_and_keep_comments(tmp_path: Path) -> None:
    text = DEFAULT_CATALOG_PATH.read_text(encoding="utf-8")
    proposals = [
        Proposal("alert HighRequestVolume", "threshold", 50, 60, "rule"),
        Proposal("slo latency", "threshold_seconds", 0.25, 0.5, "rule"),
    ]
    changed = validated(DEFAULT_CATALOG_PATH, apply_proposals(text, proposals))
    before, after = text.splitlines(), changed.splitlines()
    differing = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert [b.strip() for _, b in differing] == ["threshold_seconds: 0.5", "threshold: 60"]
    assert "# Must be a bucket boundary" in changed


def test_a_proposal_the_catalog_refuses_or_cannot_place_is_an_error() -> None:
    text = DEFAULT_CATALOG_PATH.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="alerts: no entry named 'NoSuchAlert'"):
        apply_proposals(text, [Proposal("alert NoSuchAlert", "threshold", 1, 2, "r")])
    with pytest.raises(ValueError, match="no 'threshold_seconds' field"):
        apply_proposals(text, [Proposal("alert HighLatencyP95", "threshold_seconds", 1, 2, "r")])
    # Not a histogram bucket boundary: the catalog's own loader refuses it.
    broken = apply_proposals(text, [Proposal("slo latency", "threshold_seconds", 0.25, 0.3, "r")])
    with pytest.raises(CatalogError):
        validated(DEFAULT_CATALOG_PATH, broken)
