"""Runbook PromQL extraction and runbook_url resolution."""

from __future__ import annotations

import pytest

from contract.checks.runbooks import RunbookQuery, promql_blocks, runbook_file_name, runbook_queries

RUNBOOK = """# BackendDown

## Diagnosis

```promql
up{job="techno-backend"} == 0
```

1. Check the target:

   ```promql
   sum by (route) (
     rate(techno_http_requests_total[5m])
   )
   ```

```bash
curl http://127.0.0.1:8080/health
```
"""


def test_promql_blocks_are_found_also_when_indented_and_other_fences_are_ignored() -> None:
    assert promql_blocks(RUNBOOK) == [
        'up{job="techno-backend"} == 0',
        "sum by (route) (\n  rate(techno_http_requests_total[5m])\n)",
    ]


def test_each_query_is_named_by_its_heading_and_numbered_step() -> None:
    assert runbook_queries(RUNBOOK) == [
        RunbookQuery("Diagnosis", 'up{job="techno-backend"} == 0'),
        RunbookQuery(
            "Diagnosis step 1", "sum by (route) (\n  rate(techno_http_requests_total[5m])\n)"
        ),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "runbooks/BackendDown.md",
        "https://example.org/repo/blob/main/runbooks/BackendDown.md#diagnosis",
    ],
)
def test_runbook_url_names_the_markdown_file(url: str) -> None:
    assert runbook_file_name(url) == "BackendDown.md"


def test_a_runbook_url_without_a_page_is_refused() -> None:
    with pytest.raises(ValueError, match=r"does not name a \.md page"):
        runbook_file_name("https://wiki.example.org/BackendDown")
