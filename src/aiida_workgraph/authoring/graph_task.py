"""Graph tasks (``@task.graph``) and sub-graph tasks (a ``WorkGraph`` in a graph), run as child WorkGraph processes."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from node_graph.executor import ExecutorMode, RuntimeExecutor
from node_graph.task_spec import TaskSpec

from ..tasks.kinds.graph_task import DEFAULT_MAX_DEPTH
from ..tasks.kinds.subgraph import RESERVED_INPUTS, SUBGRAPH_CTX, SUBGRAPH_TASKS, SubGraphKind
from .decorator import WorkGraphTaskHandle, build_handle
from .task import Task


class GraphTaskHandle(WorkGraphTaskHandle):
    """The handle of a ``@task.graph`` function.

    Called inside a graph, it adds a graph task; :meth:`build` returns the ``WorkGraph`` the function builds from
    given inputs, and :meth:`run` / :meth:`submit` build it and run or submit it.
    """

    def build(self, /, *args: Any, **kwargs: Any) -> Any:
        """Return the ``WorkGraph`` the function builds for these inputs (named after the function).

        :raises TypeError: if the function returns something other than task sockets (a raw value, say).
        :raises ValueError: if it returns outputs that are not declared.
        """
        return build_graph(self._callable, self._spec, args, kwargs)

    def run(self, /, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Build the graph for these inputs, run it in this interpreter and return its outputs."""
        return self.build(*args, **kwargs).run()

    def run_get_graph(self, /, *args: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
        """Build the graph for these inputs, run it in this interpreter and return its outputs and the ``WorkGraph``
        (whose ``process``, task states and outputs are then those of the run).

        :raises WorkGraphSerializationError: if a value cannot be kept; nothing is stored.
        """
        graph = self.build(*args, **kwargs)
        return graph.run(), graph

    def submit(self, /, *args: Any, wait: bool = False, timeout: int = 600, **kwargs: Any) -> Any:
        """Build the graph for these inputs, submit it to the daemon and return the ``WorkGraph`` (as upstream does;
        its ``process`` is the process node).

        :param wait: wait until the process ended.
        :raises TimeoutError: if ``wait`` and the process does not end within ``timeout`` seconds.
        """
        graph = self.build(*args, **kwargs)
        graph.submit(wait=wait, timeout=timeout)
        return graph


def build_graph(func: Any, spec: TaskSpec, args: tuple = (), kwargs: dict[str, Any] | None = None) -> Any:
    """Call ``func`` inside a new ``WorkGraph`` (named after the function) whose inputs are the given values.

    Inside the function each input is its value wrapped so that passing it to a task links the graph input (an
    AiiDA node when the engine builds the graph at run time). What the function returns becomes the graph outputs.

    :raises TypeError: if the function returns something other than task sockets.
    :raises ValueError: if it returns outputs that are not declared.
    """
    from node_graph.utils.graph import materialize_graph

    from .workgraph import WorkGraph

    kwargs = dict(kwargs or {})
    kwargs.pop('metadata', None)
    name = getattr(func, '__name__', None)
    if name and hasattr(func, '__globals__') and name not in func.__globals__:
        # A function pickled when it was decorated (defined in ``__main__``) was pickled before its own name was
        # bound, so its globals lack it: bind the name to the handle, for a graph task that calls itself.
        handle = GraphTaskHandle(spec)
        handle._callable = func
        func.__globals__[name] = handle
    graph = materialize_graph(
        func, spec.inputs, spec.outputs, getattr(func, '__name__', spec.identifier), WorkGraph, args=args, kwargs=kwargs
    )
    max_number_jobs = (spec.metadata or {}).get('max_number_jobs')
    if max_number_jobs is not None:
        graph.max_number_jobs = max_number_jobs
    return graph


def graph_handle(
    func: Any,
    identifier: str | None = None,
    inputs: Any = None,
    outputs: Any = None,
    catalog: str = 'Others',
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_number_jobs: int | None = None,
) -> GraphTaskHandle:
    """Return the handle of a graph task made from ``func``.

    :param max_depth: how deeply graph tasks may be nested below the graph that runs this one; a graph task deeper
        than this fails (and its graph with exit status 302).
    :param max_number_jobs: at most this many task processes of the built graph run at once
        (``WorkGraph.max_number_jobs``).
    :raises ValueError: if ``max_depth`` is not a positive integer, or ``max_number_jobs`` not a positive integer.
    """
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1:
        raise ValueError(f'max_depth must be a positive integer, got {max_depth!r}')
    base = build_handle(func, identifier=identifier, inputs=inputs, outputs=outputs, catalog=catalog, kind='GRAPH')
    metadata = {**(base._spec.metadata or {}), 'max_depth': max_depth}
    if max_number_jobs is not None:
        if isinstance(max_number_jobs, bool) or not isinstance(max_number_jobs, int) or max_number_jobs < 1:
            raise ValueError(f'max_number_jobs must be a positive integer, got {max_number_jobs!r}')
        metadata['max_number_jobs'] = max_number_jobs
    spec = replace(base._spec, metadata=metadata)
    handle = GraphTaskHandle(spec)
    handle._callable = func
    return handle


class SubGraphTask(Task):
    """A task that runs a ``WorkGraph`` (a sub-graph) as a child WorkGraph process.

    Its sockets are the sub-graph's graph inputs and outputs. The values set inside the sub-graph travel with the
    task as the inputs ``subgraph_tasks`` (by inner task) and ``subgraph_ctx``, which have no sockets: they are kept
    here and added to the task's inputs when the graph is exported (:meth:`to_dict`), so that the parent's walk
    converts them when the parent process is created.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subgraph_values: dict[str, Any] = {}

    def set_inputs(self, inputs: dict[str, Any]) -> None:
        """Set the graph inputs; the values of the inner tasks and ``ctx`` are kept aside."""
        super().set_inputs(self._take_subgraph_values(inputs))

    def update_from_dict(self, data: dict[str, Any]) -> None:
        """Rebuild from a dict (``WorkGraph.load``); the values of the inner tasks and ``ctx`` are kept aside."""
        data = {**data, 'inputs': self._take_subgraph_values(data.get('inputs') or {})}
        super().update_from_dict(data)

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The task's dict, with the values of the inner tasks and ``ctx`` among its inputs."""
        data = super().to_dict(*args, **kwargs)
        data['inputs'] = {**(data.get('inputs') or {}), **self.subgraph_values}
        return data

    @property
    def subgraph(self) -> Any:
        """The sub-graph this task runs, rebuilt as a ``WorkGraph`` from the task's structure and the values set
        inside it. It is a copy to look at: changing it does not change the task."""
        from ..engine.input_layout import merge_values
        from .workgraph import WorkGraph

        structure = copy.deepcopy(self.spec.executor.graph_data)
        values = {
            'graph_inputs': self.inputs._value or {},
            'tasks': self.subgraph_values.get(SUBGRAPH_TASKS) or {},
            'workgraph_data': {'ctx': self.subgraph_values.get(SUBGRAPH_CTX) or {}},
        }
        return WorkGraph.from_dict(merge_values(structure, values))

    @property
    def tasks(self) -> Any:
        """The tasks of the sub-graph (a copy, see :attr:`subgraph`)."""
        return self.subgraph.tasks

    @property
    def links(self) -> Any:
        """The links of the sub-graph (a copy, see :attr:`subgraph`)."""
        return self.subgraph.links

    def _take_subgraph_values(self, inputs: dict[str, Any]) -> dict[str, Any]:
        inputs = dict(inputs or {})
        for key in RESERVED_INPUTS:
            if key in inputs:
                self.subgraph_values[key] = inputs.pop(key)
        return inputs

    def _new_for_copy(self, name: str | None, graph: Any, spec: Any) -> SubGraphTask:
        task = super()._new_for_copy(name, graph, spec)
        task.subgraph_values = copy.deepcopy(self.subgraph_values)
        return task


def subgraph_spec(graph: Any) -> TaskSpec:
    """The spec of a task that runs ``graph``: its graph inputs and outputs as sockets, its structure without values.

    :raises ValueError: if the sub-graph has a graph input named like one of the reserved inputs.
    """
    clash = sorted(set(RESERVED_INPUTS) & set(graph.spec.inputs.fields if graph.spec.inputs else {}))
    if clash:
        raise ValueError(f'a sub-graph cannot have graph inputs named {clash}: these names are reserved')
    structure = graph.prepare_inputs('run')['workgraph_data']['structure']
    structure.pop('launch', None)
    return TaskSpec(
        identifier=graph.name,
        task_type=SubGraphKind.name,
        catalog='Others',
        inputs=graph.spec.inputs,
        outputs=graph.spec.outputs,
        executor=RuntimeExecutor(mode=ExecutorMode.GRAPH, graph_data=structure),
        base_class=SubGraphTask,
        metadata={'graph_name': graph.name},
    )


def subgraph_values(graph: Any) -> dict[str, Any]:
    """The values set in ``graph``: its graph inputs, and its inner tasks' inputs and ``ctx`` as reserved inputs."""
    prepared = graph.prepare_inputs('run')
    values = dict(prepared['graph_inputs'])
    if prepared['tasks']:
        values[SUBGRAPH_TASKS] = prepared['tasks']
    if prepared['workgraph_data'].get('ctx'):
        values[SUBGRAPH_CTX] = prepared['workgraph_data']['ctx']
    return values
