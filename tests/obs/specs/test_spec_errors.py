"""A spec the catalog cannot express fails naming the file, the document and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from obs.specs.errors import SpecError
from obs.specs.openslo_import import import_openslo
from obs.specs.sloth_import import import_sloth

BAD = Path(__file__).resolve().parent.parent / "data" / "specs" / "bad"
SERVICE = "techno-backend"


@pytest.mark.parametrize(
    ("name", "document", "field", "problem"),
    [
        ("openslo-calendar.yaml", "document[0] 'monthly-availability'",
         "spec.timeWindow[0].isRolling", "calendar"),
        ("openslo-datadog.yaml", "document[0] 'checkout-ok'",
         "spec.ratioMetric.good.metricSource.type", "Datadog"),
        ("openslo-no-budgeting.yaml", "document[0] 'no-budgeting'", "spec",
         "'budgetingMethod' is a required property"),
        ("openslo-quantile.yaml", "document[0] 'p95-latency'",
         "spec.indicator.spec.ratioMetric.good.metricSource.spec.query", "plain counter"),
        ("openslo-burn.yaml", "document[0] 'slow-burn'",
         "spec.conditions[0].spec.condition", "burn-rate alerts only"),
    ],
)  # fmt: skip
def test_openslo_errors_name_file_document_and_field(
    name: str, document: str, field: str, problem: str
) -> None:
    with pytest.raises(SpecError) as caught:
        import_openslo([BAD / name], SERVICE)
    assert caught.value.path == str(BAD / name)
    assert (caught.value.entry, caught.value.field) == (document, field)
    assert problem in caught.value.problem


@pytest.mark.parametrize(
    ("name", "field", "problem"),
    [
        ("sloth-raw.yaml", "slos[0].sli.raw", "only sli.events"),
        ("sloth-mixed-metrics.yaml", "slos[1].sli.events.error_query", "total's metric"),
        ("sloth-no-page.yaml", "slos[0].alerting.page_alert.disable", "always generates"),
    ],
)
def test_sloth_errors_name_file_document_and_field(name: str, field: str, problem: str) -> None:
    with pytest.raises(SpecError) as caught:
        import_sloth(BAD / name, SERVICE)
    assert caught.value.path == str(BAD / name)
    assert (caught.value.entry, caught.value.field) == ("document[0] 'techno-backend'", field)
    assert problem in caught.value.problem


def test_another_service_is_refused(tmp_path: Path) -> None:
    good = (BAD.parent / "sloth" / "action-results.yaml").read_text(encoding="utf-8")
    path = tmp_path / "other.yaml"
    path.write_text(good.replace('"techno-backend"', '"billing"'), encoding="utf-8")
    with pytest.raises(SpecError, match=r"other\.yaml: document\[0\] 'billing': field 'service'"):
        import_sloth(path, SERVICE)


def test_a_missing_sli_reference_names_the_slo_field(tmp_path: Path) -> None:
    text = (BAD.parent / "openslo" / "process-fast.yaml").read_text(encoding="utf-8")
    path = tmp_path / "dangling.yaml"
    path.write_text(text.replace("indicatorRef: process-under-half-second", "indicatorRef: gone"))
    with pytest.raises(SpecError) as caught:
        import_openslo([path], SERVICE)
    assert (caught.value.entry, caught.value.field) == (
        "document[3] 'process-fast'",
        "spec.indicatorRef",
    )
