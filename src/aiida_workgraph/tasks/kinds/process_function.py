"""``calcfunction`` and ``workfunction`` tasks: AiiDA process functions run inside the engine's step."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiida import orm
from node_graph.socket_spec import SocketSpec

from ...socket_spec import infer_specs_from_callable
from ..process_spec import process_specs
from .base import Launcher, ProcessPortsKind, TaskView, spread_var_kwargs, with_call_link_label


class ProcessFunctionKind(ProcessPortsKind):
    """A process function (``calcfunction``/``workfunction``): its node is a child of the engine's node.

    Its inputs are the function's arguments (typed sockets from the signature) plus the process's ``metadata``.
    """

    inline = True
    node_class_name: str = ''

    def matches(self, obj: Any) -> bool:
        """A process function whose node class is this kind's."""
        if not getattr(obj, 'is_process_function', False):
            return False
        return obj.process_class._node_class.__name__ == self.node_class_name

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """The function's own sockets and the process's ``metadata`` namespace; the outputs are dynamic, as the
        process's output namespace is (a function may return any outputs)."""
        process_in, _ = process_specs(obj.process_class)
        func_in, out_spec = infer_specs_from_callable(obj, inputs, outputs)
        fields = {**func_in.fields, 'metadata': process_in.fields['metadata']}
        out_spec = replace(out_spec, meta=replace(out_spec.meta, dynamic=True))
        return SocketSpec(func_in.identifier, item=func_in.item, fields=fields, meta=func_in.meta), out_spec

    def process_class(self, task: TaskView) -> Any:
        """The function's ``FunctionProcess`` class."""
        return task.callable.process_class

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Run the function to its end; a function that raises leaves its (excepted) node, which is returned.

        :raises Exception: what the function raised, if it raised before its process node was created.
        """
        label = (inputs.get('metadata') or {}).get('call_link_label', task.name)
        # The items of the ``**kwargs`` namespace are keyword arguments of their own (aiida-core links each one).
        inputs = spread_var_kwargs(task, inputs)
        try:
            _, node = task.callable.run_get_node(**with_call_link_label(inputs, task.name))
        except Exception:
            node = called_process(launcher.node, label)
            if node is None:
                raise
        return node


class CalcFunctionKind(ProcessFunctionKind):
    """A ``calcfunction`` task."""

    name = 'CALCFUNCTION'
    node_class_name = 'CalcFunctionNode'


class WorkFunctionKind(ProcessFunctionKind):
    """A ``workfunction`` task."""

    name = 'WORKFUNCTION'
    node_class_name = 'WorkFunctionNode'


def called_process(parent: orm.ProcessNode, label: str) -> orm.ProcessNode | None:
    """The most recent process ``parent`` called with the link label ``label``, if any."""
    called = parent.base.links.get_outgoing(link_label_filter=label).all_nodes()
    processes = [node for node in called if isinstance(node, orm.ProcessNode)]
    return max(processes, key=lambda node: node.pk) if processes else None
