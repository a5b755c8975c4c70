"""Traffic for the live checks: allowed echo/analyze_text calls and a few kinds of denial."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

import requests

Auth = Literal["key", "none", "wrong"]
WRONG_KEY = "contract-not-a-real-key"


@dataclass(frozen=True)
class Case:
    """One kind of request and the status the contract expects for it."""

    label: str
    body: str
    expect: int
    auth: Auth = "key"


def _body(action: str, context: str, payload: dict[str, object]) -> str:
    return json.dumps({"action": action, "context_id": context, "payload": payload})


CASES: tuple[Case, ...] = (
    Case("echo ok", _body("echo", "default", {"message": "contract traffic"}), 200),
    Case(
        "analyze_text ok",
        _body(
            "analyze_text", "ops", {"text": "The stack is up. Prometheus scrapes it. Alerts route."}
        ),
        200,
    ),
    Case(
        "chat forbidden for operator",
        _body("chat", "default", {"messages": [{"role": "user", "content": "hi"}]}),
        403,
    ),
    Case("unknown context", _body("echo", "nowhere", {"message": "x"}), 422),
    Case("invalid JSON", "{not json", 400),
    Case("no key", _body("echo", "default", {"message": "x"}), 401, auth="none"),
    Case("wrong key", _body("echo", "default", {"message": "x"}), 401, auth="wrong"),
)


@dataclass
class TrafficReport:
    """Answers by case label and status; never the bodies (they may echo payloads)."""

    sent: int = 0
    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)

    def merge(self, other: TrafficReport) -> None:
        """Add another report's counts to this one."""
        self.sent += other.sent
        for label, counts in other.statuses.items():
            self.statuses.setdefault(label, Counter()).update(counts)
        self.unexpected += other.unexpected

    def as_dict(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "statuses": {label: dict(counts) for label, counts in self.statuses.items()},
            "unexpected": self.unexpected,
        }


def send_traffic(base_url: str, api_key: str, *, rounds: int) -> TrafficReport:
    """Send every case `rounds` times to POST /process and count the answers."""
    report = TrafficReport()
    with requests.Session() as session:  # not the recording session: answers echo payloads
        for _ in range(rounds):
            for case in CASES:
                headers = {"Content-Type": "application/json"}
                if case.auth == "key":
                    headers["X-API-KEY"] = api_key
                elif case.auth == "wrong":
                    headers["X-API-KEY"] = WRONG_KEY
                answer = session.post(
                    f"{base_url}/process", data=case.body, headers=headers, timeout=10
                )
                report.sent += 1
                report.statuses.setdefault(case.label, Counter())[answer.status_code] += 1
                if answer.status_code != case.expect:
                    report.unexpected.append(
                        f"{case.label}: HTTP {answer.status_code} (expected {case.expect}) "
                        + _reason_codes(answer)
                    )
    return report


def _reason_codes(answer: requests.Response) -> str:
    try:
        return f"reason_codes={answer.json().get('reason_codes')}"
    except (ValueError, AttributeError):
        return ""
