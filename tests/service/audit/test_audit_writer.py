"""The audit writer: fsync mode commits before answering, buffered mode flushes in batches."""

from __future__ import annotations

import asyncio
import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from service.audit import AuditWriter, read_trace
from service.audit import writer as writer_module
from service.audit.writer import (
    MAX_BATCH_EVENTS,
    AuditUnavailable,
    append_durably,
    encode_event,
)


class CountingWriter(AuditWriter):
    """The real writer, counting the batches it writes."""

    batches = 0

    def _write(self, lines: list[str]) -> bool:
        self.batches += 1
        return super()._write(lines)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def no_errors(count: int) -> None:
    raise AssertionError(f"{count} audit events failed to write")


async def test_fsync_mode_has_events_on_disk_when_commit_returns(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = AuditWriter(path, durability="fsync", on_write_error=no_errors)
    await writer.start()
    try:
        writer.emit("tr_" + "a" * 32, "REQUEST_START", method="POST", route="/process")
        await writer.commit()
        assert [e["event"] for e in lines(path)] == ["REQUEST_START"]
    finally:
        await writer.close()


async def test_concurrent_commits_share_batches(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = CountingWriter(path, durability="fsync", on_write_error=no_errors)
    await writer.start()

    async def request(number: int) -> None:
        writer.emit(f"tr_{number:032x}", "REQUEST_START", method="POST", route="/process")
        await asyncio.sleep(0)
        writer.emit(f"tr_{number:032x}", "REQUEST_END", status=200)
        await writer.commit()

    try:
        await asyncio.gather(*(request(n) for n in range(100)))
        assert len(lines(path)) == 200
        assert writer.batches < 100, "one fsync serves many requests"
    finally:
        await writer.close()


async def test_buffered_mode_writes_within_the_flush_interval(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = AuditWriter(path, durability="buffered", on_write_error=no_errors, flush_seconds=0.05)
    await writer.start()
    try:
        writer.emit("tr_" + "b" * 32, "REQUEST_START", method="GET", route="/process")
        await writer.commit()  # returns at once in buffered mode
        assert path.read_text() == ""
        await asyncio.sleep(0.2)
        assert len(lines(path)) == 1
    finally:
        await writer.close()


async def test_close_writes_everything_pending(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = AuditWriter(path, durability="buffered", on_write_error=no_errors, flush_seconds=60)
    await writer.start()
    for n in range(10):
        writer.emit(f"tr_{n:032x}", "REQUEST_START", method="GET", route="/process")
    await writer.close()
    assert len(lines(path)) == 10


async def test_write_errors_are_counted_and_fail_the_fsync_commit() -> None:
    errors: list[int] = []
    # /dev/full accepts the open and fails every write with ENOSPC.
    writer = AuditWriter(Path("/dev/full"), durability="fsync", on_write_error=errors.append)
    await writer.start()
    try:
        writer.emit("tr_" + "c" * 32, "REQUEST_START", method="GET", route="/process")
        writer.emit("tr_" + "c" * 32, "REQUEST_END", status=200)
        with pytest.raises(AuditUnavailable):
            await writer.commit()
        assert not writer.healthy
    finally:
        await writer.close()
    assert errors[0] == 2


async def test_buffered_mode_keeps_answering_and_counts_lost_events(make_service: Any) -> None:
    service = await make_service(audit_path=Path("/dev/full"), audit_durability="buffered")
    key = await service.issue_key("viewer")
    body = {"action": "echo", "context_id": "default", "payload": {"message": "hi"}}
    response = await service.process(key, body)
    assert response.status == 200
    await asyncio.sleep(0.5)  # past one buffered flush
    assert service.metric("techno_audit_write_errors_total") >= 8
    assert (await service.client.get("/ready")).status == 200


async def test_new_writes_start_after_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"trace_id":"tr_x","event":"REQ')  # a crash mid-write
    trace_id = "tr_" + "d" * 32
    writer = AuditWriter(path, durability="fsync", on_write_error=no_errors)
    await writer.start()
    writer.emit(trace_id, "REQUEST_START", method="GET", route="/process")
    await writer.commit()
    await writer.close()
    report = read_trace(path, trace_id)
    assert [e["event"] for e in report.events] == ["REQUEST_START"]
    assert report.problems and "line 1" in report.problems[0]


def test_append_durably_adds_complete_lines(tmp_path: Path) -> None:
    path = tmp_path / "new" / "audit.jsonl"
    append_durably(path, [encode_event("tr_" + "e" * 32, "KEY_REVOKED", {"key_id": "k"})])
    assert lines(path)[0]["key_id"] == "k"
    assert path.read_text().endswith("\n")


async def test_a_rotated_log_is_reopened_at_its_path(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writer = AuditWriter(path, durability="fsync", on_write_error=no_errors)
    await writer.start()
    try:
        writer.emit("tr_" + "1" * 32, "REQUEST_START", method="GET", route="/process")
        await writer.commit()
        path.rename(tmp_path / "audit.jsonl.1")  # what logrotate does
        writer.emit("tr_" + "2" * 32, "REQUEST_START", method="GET", route="/process")
        await writer.commit()
    finally:
        await writer.close()
    assert [e["trace_id"] for e in lines(tmp_path / "audit.jsonl.1")] == ["tr_" + "1" * 32]
    assert [e["trace_id"] for e in lines(path)] == ["tr_" + "2" * 32]


async def test_a_path_replaced_by_a_failing_device_counts_errors_until_restored(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    errors: list[int] = []
    writer = AuditWriter(path, durability="fsync", on_write_error=errors.append)
    await writer.start()
    try:
        writer.emit("tr_" + "3" * 32, "REQUEST_START", method="GET", route="/process")
        await writer.commit()
        saved = tmp_path / "audit.jsonl.saved"
        path.rename(saved)
        path.symlink_to("/dev/full")  # every write now fails with ENOSPC
        writer.emit("tr_" + "4" * 32, "REQUEST_START", method="GET", route="/process")
        with pytest.raises(AuditUnavailable):
            await writer.commit()
        assert errors == [1]
        path.unlink()
        saved.rename(path)
        writer.emit("tr_" + "5" * 32, "REQUEST_START", method="GET", route="/process")
        await writer.commit()
    finally:
        await writer.close()
    assert errors == [1]
    written = lines(path)
    assert [e["trace_id"] for e in written if e["event"] != "AUDIT_GAP"] == [
        "tr_" + "3" * 32,
        "tr_" + "5" * 32,
    ]
    # Where the gap is, and how many events it lost, is on record.
    assert [e.get("lost_events") for e in written if e["event"] == "AUDIT_GAP"] == [1]


async def test_after_a_short_write_the_next_events_are_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "audit.jsonl"
    errors: list[int] = []
    real_write_all = writer_module.write_all
    calls = 0

    def short_once(fd: int, data: bytes) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # half the batch reaches the file, then the disk fills
            os.write(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write_all(fd, data)

    monkeypatch.setattr(writer_module, "write_all", short_once)
    writer = AuditWriter(path, durability="fsync", on_write_error=errors.append)
    await writer.start()
    try:
        writer.emit("tr_" + "6" * 32, "REQUEST_START", method="GET", route="/process")
        writer.emit("tr_" + "6" * 32, "REQUEST_END", status=200)
        with pytest.raises(AuditUnavailable):
            await writer.commit()
        after = "tr_" + "7" * 32
        writer.emit(after, "REQUEST_START", method="GET", route="/process")
        writer.emit(after, "REQUEST_END", status=200)
        await writer.commit()
    finally:
        await writer.close()
    assert errors == [2]
    report = read_trace(path, after)
    assert [e["event"] for e in report.events] == ["REQUEST_START", "REQUEST_END"]
    assert len(report.problems) == 1  # only the torn half line of the failed batch


@pytest.mark.parametrize("durability", ["fsync", "buffered"])
async def test_no_event_past_the_batch_size_is_dropped(tmp_path: Path, durability: Any) -> None:
    path = tmp_path / "audit.jsonl"
    writer = AuditWriter(path, durability=durability, on_write_error=no_errors, flush_seconds=60)
    await writer.start()
    count = 3 * MAX_BATCH_EVENTS + 7
    try:
        for n in range(count):
            writer.emit(f"tr_{n:032x}", "REQUEST_START", method="GET", route="/process")
        await writer.commit()
    finally:
        await writer.close()
    assert [e["trace_id"] for e in lines(path)] == [f"tr_{n:032x}" for n in range(count)]
