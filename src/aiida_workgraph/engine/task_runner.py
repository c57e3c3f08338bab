"""Running the tasks of a graph: plain functions in the engine's process, AiiDA processes as children."""

from __future__ import annotations

import asyncio
import inspect
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiida import orm
from aiida.common.links import LinkType
from node_graph.engine.utils import parse_outputs

from ..serialization.convert import to_python
from ..serialization.schema import spec_slot
from ..serialization.walk import InputWalker
from .graph_plan import TaskPlan


class TaskFailure(Exception):
    """Raised when a task cannot run or its result cannot be kept; the message says why.

    :param process: the process node of the task, when the task got as far as creating one.
    """

    def __init__(self, message: str, process: orm.ProcessNode | None = None):
        super().__init__(message)
        self.process = process


def _call(func: Any, kwargs: dict[str, Any]) -> Any:
    """Call a task function; a coroutine function is awaited in a private event loop."""
    result = func(**kwargs)
    if inspect.isawaitable(result):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, result).result()
    return result


def store_all(tree: Any) -> Any:
    """Store every node of a nested dict of nodes and return the tree."""
    if isinstance(tree, dict):
        for value in tree.values():
            store_all(value)
    elif isinstance(tree, orm.Node) and not tree.is_stored:
        tree.store()
    return tree


def run_function(plan: TaskPlan, inputs: dict[str, Any], for_daemon: bool) -> dict[str, Any]:
    """Run a plain-function task in this process and return its results as (unstored) AiiDA data.

    :raises TaskFailure: if the function raises, returns something that does not match its outputs, or returns a
        value that cannot be kept (named by task, output and type).
    """
    kwargs = to_python(inputs)
    for name, field in (plan.spec.inputs.fields if plan.spec.inputs else {}).items():
        if field.meta.call_role == 'var_kwargs':
            kwargs.update(kwargs.pop(name, None) or {})
    try:
        result = _call(plan.callable, kwargs)
    except Exception as exception:  # noqa: BLE001 - any error of user code fails the task, not the engine
        raise TaskFailure(f'{type(exception).__name__}: {exception}\n{traceback.format_exc()}') from exception
    parsed = parse_outputs(result, plan.output_spec)
    if isinstance(parsed, tuple):
        parsed = parsed[0]
    if parsed is None:
        declared = sorted(plan.output_spec.fields)
        raise TaskFailure(f'returned a {type(result).__name__} that does not match the declared outputs {declared}')
    walker = InputWalker(for_daemon)
    data: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    walker.walk(parsed, spec_slot(plan.output_spec), f'{plan.name}.outputs', data, plain, 'outputs')
    if walker.problems:
        lines = [f'  - {problem.format()}' for problem in walker.problems]
        raise TaskFailure(f'task {plan.name} returned a result that cannot be kept:\n' + '\n'.join(lines))
    return data.get('outputs', {})


def run_process_function(
    plan: TaskPlan, inputs: dict[str, Any], parent: orm.ProcessNode
) -> tuple[orm.ProcessNode, dict[str, Any]]:
    """Run a calcfunction or workfunction task as a child of ``parent``, the current process.

    :raises TaskFailure: if the function raises; it carries the excepted child process node.
    """
    try:
        _, node = plan.callable.run_get_node(**inputs)
    except Exception as exception:  # noqa: BLE001 - any error of user code fails the task, not the engine
        label = inputs.get('metadata', {}).get('call_link_label', plan.name)
        called = parent.base.links.get_outgoing(link_label_filter=label).all_nodes()
        process = next((node for node in called if isinstance(node, orm.ProcessNode)), None)
        raise TaskFailure(f'{type(exception).__name__}: {exception}', process) from exception
    return node, process_outputs(node)


def process_outputs(node: orm.ProcessNode) -> dict[str, Any]:
    """Return the outputs of a finished process as a nested dict of nodes."""
    return node.base.links.get_outgoing(link_type=(LinkType.CREATE, LinkType.RETURN)).nested()


def process_failure(node: orm.ProcessNode) -> str | None:
    """Return why a terminated child process failed, or ``None`` if it finished successfully."""
    if node.is_finished_ok:
        return None
    label = f'{node.process_label}<{node.pk}>'
    if node.is_finished:
        return f'{label} finished with exit status {node.exit_status}: {node.exit_message or ""}'.rstrip(': ')
    if node.is_excepted:
        return f'{label} excepted: {node.exception or ""}'.strip()
    return f'{label} was killed'
