"""The action matrix file: the packaged default, and errors naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.pipeline.matrix import MatrixError, load_matrix
from service.settings import DEFAULT_ACTION_MATRIX

VALID = """
contexts: [default, ops]
actions:
  echo: {executor: echo}
roles:
  viewer:
    grants:
      - actions: [echo]
        contexts: [default]
"""


def test_packaged_matrix_has_the_default_roles() -> None:
    matrix = load_matrix(DEFAULT_ACTION_MATRIX)
    assert set(matrix.roles) == {"admin", "operator", "viewer"}
    assert matrix.executors == {"echo": "echo", "analyze_text": "text_analysis", "chat": "llm_http"}
    assert matrix.allows("admin", "chat", "ops")
    assert matrix.allows("operator", "analyze_text", "ops")
    assert not matrix.allows("operator", "chat", "default")
    assert matrix.allows("viewer", "echo", "default")
    assert not matrix.allows("viewer", "echo", "ops")
    assert not matrix.allows("nobody", "echo", "default")
    assert matrix.can_manage_keys("admin") and not matrix.can_manage_keys("operator")


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("- a list", "-"),
        (VALID.replace("contexts: [default, ops]", "contexts: []"), "contexts"),
        (
            VALID.replace("contexts: [default]", "contexts: [prod]"),
            "roles.viewer.grants[0].contexts",
        ),
        (VALID.replace("actions: [echo]", "actions: [wipe]"), "roles.viewer.grants[0].actions"),
        (VALID.replace("{executor: echo}", "{executor: Echo!}"), "actions.echo.executor"),
        (VALID.replace("  viewer:", "  viewer:\n    admin: true"), "roles.viewer.admin"),
        (VALID + "extra: 1\n", "extra"),
        ("contexts: [a\n", "-"),
    ],
)
def test_bad_matrix_names_file_and_entry(tmp_path: Path, text: str, entry: str) -> None:
    path = tmp_path / "matrix.yaml"
    path.write_text(text)
    with pytest.raises(MatrixError) as caught:
        load_matrix(path)
    assert caught.value.entry == entry
    assert str(caught.value).startswith(f"{path}: {entry}: ")


def test_missing_matrix_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MatrixError, match="cannot read"):
        load_matrix(tmp_path / "absent.yaml")


def test_app_refuses_a_matrix_action_no_executor_serves(
    tmp_path: Path, make_settings: object
) -> None:
    from prometheus_client import CollectorRegistry

    from service.http.app import create_app

    path = tmp_path / "matrix.yaml"
    path.write_text(VALID.replace("echo: {executor: echo}", "echo: {executor: text_analysis}"))
    settings = make_settings(action_matrix_path=path)  # type: ignore[operator]
    with pytest.raises(MatrixError) as caught:
        create_app(settings, registry=CollectorRegistry())
    assert caught.value.entry == "actions.echo"
    assert "does not serve" in caught.value.problem
