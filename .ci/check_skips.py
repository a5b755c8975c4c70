"""Fail CI when a test it means to run was skipped: read every step's junit, explain each skip.

usage: python3 .ci/check_skips.py ALLOWED_SKIPS STEP=JUNIT.xml [STEP=JUNIT.xml ...]

A test skipped in one step is fine when another step ran it (e.g. the fault tests skip in
the test command and run in the fault step): it is listed with the step that ran it. A
test that no step ran must match a line of ALLOWED_SKIPS (`<regex on the skip reason>
<TAB or two spaces> <why CI does not run it>`); every other skip fails the check.
Standard library only, so it runs with the system python3.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    """One test case of one step's junit report."""

    step: str
    test_id: str
    status: str  # passed, failed, skipped
    reason: str


def read_cases(step: str, junit: Path) -> list[Case]:
    """Return every test case in junit with its status and skip reason."""
    cases = []
    # The reports are the ones this CI run just wrote, not untrusted input.
    for testcase in ET.parse(junit).iter("testcase"):  # noqa: S314
        test_id = f"{testcase.get('classname', '')}::{testcase.get('name', '')}"
        skipped = testcase.find("skipped")
        failed = testcase.find("failure") is not None or testcase.find("error") is not None
        if skipped is not None:
            reason = skipped.get("message") or (skipped.text or "").strip()
            cases.append(Case(step, test_id, "skipped", reason.removeprefix("Skipped: ")))
        else:
            cases.append(Case(step, test_id, "failed" if failed else "passed", ""))
    return cases


def read_allowed(path: Path) -> list[tuple[re.Pattern[str], str]]:
    """Return (reason pattern, explanation) pairs; # lines and blank lines are ignored."""
    allowed = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, _, why = re.split(r"(\t+| {2,})", line.strip(), maxsplit=1)
        allowed.append((re.compile(pattern), why.strip()))
    return allowed


def judge(cases: Sequence[Case], allowed: Sequence[tuple[re.Pattern[str], str]]) -> list[str]:
    """Print what each skip means; return the unexplained ones."""
    ran = {c.test_id: c.step for c in cases if c.status != "skipped"}
    unexplained = []
    by_why: dict[str, list[str]] = {}
    for case in (c for c in cases if c.status == "skipped"):
        if case.test_id in ran:
            by_why.setdefault(f"ran in the {ran[case.test_id]} step", []).append(case.test_id)
            continue
        why = next((w for pattern, w in allowed if pattern.search(case.reason)), None)
        if why is None:
            unexplained.append(f"{case.step}: {case.test_id}: {case.reason}")
        else:
            by_why.setdefault(f"not run in CI: {why}", []).append(case.test_id)
    total = len({c.test_id for c in cases})
    skips = sum(c.status == "skipped" for c in cases)
    print(f"skip check: {total} tests, {skips} skips in {len({c.step for c in cases})} steps")
    for why, tests in sorted(by_why.items()):
        print(f"  {len(tests):3d} skipped, {why}")
    for line in unexplained:
        print(f"  UNEXPLAINED SKIP {line}")
    return unexplained


def main(argv: Sequence[str]) -> int:
    """Check the reports; return 1 if any skip is unexplained or a report is missing."""
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    allowed = read_allowed(Path(argv[0]))
    cases: list[Case] = []
    for spec in argv[1:]:
        step, _, junit = spec.partition("=")
        if not Path(junit).is_file():
            print(f"skip check: no junit report from the {step} step at {junit}")
            return 1
        cases += read_cases(step, Path(junit))
    return 1 if judge(cases, allowed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
