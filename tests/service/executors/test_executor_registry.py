"""The registry: the shipped executors, their actions, lookups and shutdown."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from obs.catalog import load_catalog
from service.executors.base import ActionSpec, ExecutionRequest, ExecutorError
from service.executors.echo import EchoExecutor
from service.executors.registry import (
    ExecutorConfig,
    ExecutorRegistry,
    build_executor_registry,
)


class Recorder:
    """An executor with chosen id and actions that records close() and can fail it."""

    def __init__(self, executor_id: str, *action_names: str, fail_close: bool = False) -> None:
        self._executor_id = executor_id
        self._actions = tuple(
            ActionSpec(name, executor_id, "Record calls.", payload_schema={}, result_schema={})
            for name in action_names
        )
        self.fail_close = fail_close
        self.closed = False

    @property
    def executor_id(self) -> str:
        return self._executor_id

    def actions(self) -> tuple[ActionSpec, ...]:
        return self._actions

    async def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        return {}

    async def close(self) -> None:
        self.closed = True
        if self.fail_close:
            raise RuntimeError("close failed")


class Mislabelled(Recorder):
    """An executor whose action names a different executor."""

    def actions(self) -> tuple[ActionSpec, ...]:
        return (
            ActionSpec("odd", "elsewhere", "Mislabelled.", payload_schema={}, result_schema={}),
        )


def test_executor_ids_are_exactly_the_catalogs_executor_label_values() -> None:
    catalog = load_catalog()
    [calls] = [m for m in catalog.metrics if m.name == "techno_executor_calls_total"]

    registry = build_executor_registry(ExecutorConfig())

    assert sorted(registry.executor_ids()) == sorted(calls.labels["executor"])


def test_each_action_is_served_by_its_documented_executor() -> None:
    registry = build_executor_registry(ExecutorConfig())

    assert {spec.name: spec.executor_id for spec in registry.actions()} == {
        "echo": "echo",
        "analyze_text": "text_analysis",
        "chat": "llm_http",
    }
    for spec in registry.actions():
        assert registry.action(spec.name) is spec
        assert spec in registry.executor(spec.executor_id).actions()
    assert registry.action("nope") is None


@pytest.mark.parametrize("name", ["echo", "analyze_text", "chat"])
def test_action_schemas_are_strict_draft_2020_12(name: str) -> None:
    spec = build_executor_registry(ExecutorConfig()).action(name)
    assert spec is not None

    for schema in (spec.payload_schema, spec.result_schema):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False


def test_unknown_executor_id_names_the_known_ones() -> None:
    registry = build_executor_registry(ExecutorConfig())

    with pytest.raises(LookupError, match=r"'gpt'.*echo, llm_http, text_analysis"):
        registry.executor("gpt")


async def test_chat_without_a_url_answers_not_configured() -> None:
    registry = build_executor_registry(ExecutorConfig(llm_url=None))
    request = ExecutionRequest(
        trace_id="tr_1",
        action="chat",
        context_id="default",
        payload={"messages": [{"role": "user", "content": "hi"}]},
    )

    with pytest.raises(ExecutorError) as caught:
        await registry.executor("llm_http").execute(request)

    assert caught.value.outcome == "error"
    assert "not configured" in caught.value.message
    await registry.close()


def test_inconsistent_registrations_are_refused_with_the_culprit_named() -> None:
    with pytest.raises(ValueError, match="executor id 'a' is registered twice"):
        ExecutorRegistry([Recorder("a"), Recorder("a")])
    with pytest.raises(ValueError, match="action 'echo' is served by two executors"):
        ExecutorRegistry([EchoExecutor(), Recorder("other", "echo")])
    with pytest.raises(ValueError, match=r"action 'odd' names executor 'elsewhere'.*'m'"):
        ExecutorRegistry([Mislabelled("m")])


async def test_close_closes_every_executor_then_reports_the_failure() -> None:
    failing, healthy = Recorder("a", fail_close=True), Recorder("b")
    registry = ExecutorRegistry([failing, healthy])

    with pytest.raises(RuntimeError, match="close failed"):
        await registry.close()

    assert failing.closed
    assert healthy.closed
