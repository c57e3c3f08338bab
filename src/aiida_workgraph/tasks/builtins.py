"""Built-in tasks registered as ``workgraph.*`` entry points (``add_task('workgraph.test_add', ...)``)."""

from __future__ import annotations

from typing import Any

from aiida import orm

from ..authoring.decorator import task
from ..socket_spec import namespace


@task.calcfunction()
def test_add(x: Any, y: Any) -> Any:
    """Return ``x + y`` (a calcfunction, so the sum has provenance)."""
    return x + y


@task.calcfunction(outputs=namespace(sum=Any, diff=Any))
def test_sum_diff(x: Any, y: Any) -> dict[str, Any]:
    """Return ``{'sum': x + y, 'diff': x - y}``."""
    return {'sum': x + y, 'diff': x - y}


@task()
def load_code(pk: Any) -> orm.AbstractCode:
    """Load a code by pk, UUID or label."""
    return orm.load_code(pk)


@task()
def load_node(pk: Any) -> orm.Node:
    """Load a node by pk or UUID."""
    return orm.load_node(pk)


@task()
def aiida_int(value: int) -> int:
    """Return ``value`` as an ``Int`` node."""
    return int(value)


@task()
def aiida_float(value: float) -> float:
    """Return ``value`` as a ``Float`` node."""
    return float(value)


@task()
def aiida_string(value: str) -> str:
    """Return ``value`` as a ``Str`` node."""
    return str(value)


@task()
def aiida_bool(value: bool) -> bool:
    """Return ``value`` as a ``Bool`` node."""
    return bool(value)


@task()
def aiida_list(value: list) -> list:
    """Return ``value`` as a ``List`` node."""
    return list(value)


@task()
def aiida_dict(value: dict) -> dict:
    """Return ``value`` as a ``Dict`` node."""
    return dict(value)
