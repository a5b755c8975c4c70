"""The echo action: return the message and its length (the cheapest possible executor)."""

from __future__ import annotations

from typing import Any

from service.executors.base import ActionSpec, ExecutionRequest
from service.executors.schema import strict_object
from service.executors.single_action import SingleActionExecutor

ECHO_EXECUTOR_ID = "echo"
ECHO_ACTION = "echo"
MAX_MESSAGE_CHARS = 4096

ECHO_ACTION_SPEC = ActionSpec(
    name=ECHO_ACTION,
    executor_id=ECHO_EXECUTOR_ID,
    description="Return the message unchanged, with its length in characters.",
    payload_schema=strict_object(
        {"message": {"type": "string", "maxLength": MAX_MESSAGE_CHARS}},
        required=("message",),
        title="echo payload",
    ),
    result_schema=strict_object(
        {
            "message": {"type": "string", "maxLength": MAX_MESSAGE_CHARS},
            "length": {"type": "integer", "minimum": 0, "maximum": MAX_MESSAGE_CHARS},
        },
        required=("message", "length"),
        title="echo result",
    ),
)


class EchoExecutor(SingleActionExecutor):
    """Serve the `echo` action."""

    spec = ECHO_ACTION_SPEC

    async def execute(self, request: ExecutionRequest) -> dict[str, Any]:
        """Echo the payload's message (already validated against the payload schema)."""
        message: str = request.payload["message"]
        return {"message": message, "length": len(message)}
