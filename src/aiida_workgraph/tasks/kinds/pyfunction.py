"""Plain ``@task`` functions: run in the engine's interpreter and recorded as aiida-pythonjob ``PyFunction`` processes.

The node is the one aiida-pythonjob's ``PyFunction`` process makes (a ``CalcFunctionNode`` with its ``process_type``,
attributes and links), written by :func:`record_run` in one database transaction: the process node, its input and
CALL links, its result nodes and their CREATE links, all or nothing. So a run is either fully recorded or absent, and
costs one commit instead of one per node and state change.
"""

from __future__ import annotations

import traceback
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from aiida import orm
from aiida.common.links import LinkType
from aiida.engine import ProcessState
from aiida.orm.entities import EntityTypes
from node_graph.socket_spec import SocketSpec
from node_graph.utils.struct_utils import coerce_inputs_from_spec

from ...orm.transaction import atomic
from ...serialization.convert import to_python
from ...serialization.results import split_results
from ...serialization.schema import spec_slot
from ...serialization.walk import InputWalker
from ...socket_spec import infer_specs_from_callable
from ..process_ports import pyfunction_inputs
from .base import Launcher, TaskKind, TaskView, process_only_inputs, spread_var_kwargs, with_process_inputs

PYFUNCTION_PROCESS_TYPE = 'aiida_pythonjob.calculations.pyfunction.PyFunction'
#: aiida-pythonjob's exit codes of ``PyFunction``.
EXIT_FUNCTION_FAILED = 323
EXIT_INVALID_OUTPUT = 321
#: The inputs of the ``PyFunction`` process that a plain task has beside its function's arguments, as upstream gives.
PROCESS_INPUTS = ('metadata', 'function_data', 'process_label', 'function_inputs')


#: The name of the plain task whose function runs in this context (a task handle called there is refused).
RUNNING_TASK: ContextVar[str | None] = ContextVar('RUNNING_TASK', default=None)


class FunctionFailed(Exception):
    """The function raised or returned a result that cannot be kept; carries the exit status and message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class PyFunctionKind(TaskKind):
    """A plain Python function, run inside the engine's step and recorded as a ``PyFunction`` process node."""

    name = 'PYFUNCTION'
    aliases = ('FUNCTION',)
    inline = True

    def matches(self, obj: Any) -> bool:
        """Any callable that is not a class (process functions are matched by their own kinds first)."""
        import inspect

        return callable(obj) and not inspect.isclass(obj)

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """Sockets from the function's signature and return annotation (or the declared specs), plus the inputs of
        the ``PyFunction`` process (:data:`PROCESS_INPUTS`) that the function does not take itself."""
        func_in, out_spec = infer_specs_from_callable(obj, inputs, outputs)
        return with_process_inputs(func_in, pyfunction_inputs()), out_spec

    def process_class(self, task: TaskView) -> Any:
        """aiida-pythonjob's ``PyFunction`` (whose node this kind records)."""
        from aiida_pythonjob.calculations.pyfunction import PyFunction

        return PyFunction

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Call the function with the inputs as Python values and record the run; return the finished node."""
        try:
            results = call_function(task, inputs, launcher.for_daemon)
        except FunctionFailed as failure:
            return record_run(launcher.node, task, inputs, {}, failure)
        return record_run(launcher.node, task, inputs, results, None)


def call_function(task: TaskView, inputs: dict[str, Any], for_daemon: bool) -> dict[str, Any]:
    """Call the task's function and return its results as unstored AiiDA data, by output name.

    An argument annotated with a pydantic model or a dataclass (a namespace of sockets) is given to the function as
    an instance of that class, rebuilt from the namespace's values, as aiida-pythonjob's ``PyFunction`` does.

    :raises FunctionFailed: if the function raises (exit status 323, as ``PyFunction``), or returns something that
        does not match its outputs or cannot be kept (321; the message names the task, the output and the type).
    """
    kwargs = to_python(spread_var_kwargs(task, function_arguments(task, inputs)))
    kwargs = coerce_inputs_from_spec(kwargs, task.spec.inputs)
    running = RUNNING_TASK.set(task.name)
    try:
        result = task.callable(**kwargs)
        if hasattr(result, '__await__'):
            result = run_coroutine(result)
    except Exception as exception:  # noqa: BLE001 - any error of user code fails the task, not the engine
        raise FunctionFailed(
            EXIT_FUNCTION_FAILED, f'Function execution failed.\n{exception}\n{traceback.format_exc()}'
        ) from exception
    finally:
        RUNNING_TASK.reset(running)
    parsed = split_results(result, task.spec.outputs)
    if parsed is None:
        declared = sorted(task.spec.outputs.fields)
        message = f'returned a {type(result).__name__} that does not match the declared outputs {declared}'
        raise FunctionFailed(EXIT_INVALID_OUTPUT, message)
    walker = InputWalker(for_daemon)
    data: dict[str, Any] = {}
    walker.walk(parsed, spec_slot(task.spec.outputs), f'{task.name}.outputs', data, {}, 'outputs')
    if walker.problems:
        lines = '\n'.join(f'  - {problem.format()}' for problem in walker.problems)
        raise FunctionFailed(EXIT_INVALID_OUTPUT, f'task {task.name} returned a result that cannot be kept:\n{lines}')
    return data.get('outputs', {})


def function_arguments(task: TaskView, tree: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``tree`` (the task's inputs, or fields of its input spec) that belong to the function: those of
    the ``PyFunction`` process's inputs that are no arguments of the function left out."""
    extra = process_only_inputs(task.callable, PROCESS_INPUTS)
    return {name: value for name, value in tree.items() if name not in extra}


def run_coroutine(coroutine: Any) -> Any:
    """Run an ``async def`` task's coroutine to its end in a private event loop (the engine's loop is running)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def record_run(
    parent: orm.ProcessNode,
    task: TaskView,
    inputs: dict[str, Any],
    results: dict[str, Any],
    failure: FunctionFailed | None,
) -> orm.CalcFunctionNode:
    """Store the ``PyFunction`` process node of one run, its links and its results, in one transaction.

    :param parent: the engine's node (the CALL link's source; the link label is the task name).
    :param inputs: the task's inputs; its data nodes are linked as ``function_inputs__<name>``.
    :param results: the unstored result nodes by output name (linked CREATE).
    :param failure: why the run failed, if it did (exit status and message; no results).
    """
    from aiida_pythonjob.data.deserializer import all_deserializers
    from aiida_pythonjob.data.serializer import all_serializers

    func = task.callable
    function_inputs = replace(task.spec.inputs, fields=function_arguments(task, task.spec.inputs.fields))
    specs = {
        'inputs_spec': function_inputs.to_dict(),
        'outputs_spec': task.spec.outputs.to_dict(),
        'serializers': all_serializers,
        'deserializers': all_deserializers,
    }
    node = orm.CalcFunctionNode()
    node.set_process_type(PYFUNCTION_PROCESS_TYPE)
    node.set_process_label(getattr(func, '__name__', task.name))
    node.set_process_state(ProcessState.FINISHED)
    metadata = inputs.get('metadata') or {}
    node.label = metadata.get('label') or ''
    node.description = metadata.get('description') or ''
    node.set_metadata_inputs({'metadata': {**specs, **metadata, 'call_link_label': task.name}})
    node.base.attributes.set_many(
        {
            **specs,
            'version': _version_info(),
            'function_name': getattr(func, '__name__', task.name),
            'function_namespace': getattr(func, '__module__', None),
        }
    )
    if failure is None:
        node.set_exit_status(0)
    else:
        node.set_exit_status(failure.status)
        node.set_exit_message(failure.message)
    input_nodes = _flat_data(spread_var_kwargs(task, function_arguments(task, inputs)), 'function_inputs')
    result_nodes = _flat_data(results, '')
    for label, data in result_nodes:
        extras = output_extras(task.spec.outputs, label.split('__'))
        if extras:
            data.base.extras.set_many(extras)
    with atomic(node.backend):
        for _, data in input_nodes:
            if not data.is_stored:
                data.store()
        node.store()
        for _, data in result_nodes:
            data.store()
        # The node and its results are new, so no link can duplicate another or close a cycle: insert them in bulk
        # instead of aiida-core's per-link validation queries.
        rows = [_link_row(parent, node, LinkType.CALL_CALC, task.name)]
        rows.extend(_link_row(data, node, LinkType.INPUT_CALC, label) for label, data in input_nodes)
        rows.extend(_link_row(node, data, LinkType.CREATE, label) for label, data in result_nodes)
        node.backend.bulk_insert(EntityTypes.LINK, rows)
        node.base.caching.rehash()
        node.seal()
    return node


def output_extras(outputs: SocketSpec, path: list[str]) -> dict[str, Any]:
    """The extras the output socket at ``path`` declares (``spec.meta(extras={...})``), which its node gets."""
    spec: SocketSpec | None = outputs
    for key in path:
        spec = (spec.fields or {}).get(key) if spec is not None else None
    return dict(spec.meta.extras or {}) if spec is not None and spec.meta is not None else {}


def _link_row(source: orm.Node, target: orm.Node, link_type: LinkType, label: str) -> dict[str, Any]:
    """A row of the link table."""
    return {'input_id': source.pk, 'output_id': target.pk, 'label': label, 'type': link_type.value}


def _flat_data(tree: dict[str, Any], prefix: str) -> list[tuple[str, orm.Data]]:
    """The data nodes of a nested dict with their link labels (``prefix__a__b``)."""
    found = []
    for key, value in tree.items():
        label = f'{prefix}__{key}' if prefix else key
        if isinstance(value, dict):
            found.extend(_flat_data(value, label))
        elif isinstance(value, orm.Data):
            found.append((label, value))
    return found


def _version_info() -> dict[str, str]:
    """The ``version`` attribute a ``PyFunction`` node carries: aiida-core's and aiida-pythonjob's versions."""
    import aiida
    import aiida_pythonjob

    return {'core': aiida.__version__, 'plugin': aiida_pythonjob.__version__}
