"""Task classes and functions for the public-API tests, importable by module path (``api_tasks``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.engine import WorkChain
from node_graph.executor import RuntimeExecutor, SafeExecutor
from node_graph.task_spec import TaskSpec

from aiida_workgraph import Task, namespace
from aiida_workgraph.tasks.process_spec import process_specs


def scale(x: int, factor: int = 2) -> int:
    """Return ``x * factor``."""
    return x * factor


class ScaleTask(Task):
    """A task class whose executor is a plain function given by its module path."""

    _default_spec = TaskSpec(
        identifier='api_tasks.scale',
        task_type='PYFUNCTION',
        inputs=namespace(x=int, factor=(int, 2)),
        outputs=namespace(result=int),
        executor=SafeExecutor(module_path='api_tasks', callable_name='scale'),
        base_class_path='api_tasks.ScaleTask',
    )


_ADD_INPUTS, _ADD_OUTPUTS = process_specs(ArithmeticAddCalculation)


class ArithmeticAddTask(Task):
    """A task class whose executor is a CalcJob class, given as a runtime executor."""

    _default_spec = TaskSpec(
        identifier='api_tasks.arithmetic_add',
        task_type='CALCJOB',
        inputs=_ADD_INPUTS,
        outputs=_ADD_OUTPUTS,
        executor=RuntimeExecutor.from_callable(ArithmeticAddCalculation),
        base_class_path='api_tasks.ArithmeticAddTask',
    )


def _leaves(namespace: Any) -> list[Any]:
    """The leaf values of a nested namespace of inputs."""
    if isinstance(namespace, Mapping):
        return [leaf for value in namespace.values() for leaf in _leaves(value)]
    return [namespace]


class DynamicSum(WorkChain):
    """Sum every ``Int`` given in the dynamic namespace ``dynamic_port``, however deeply nested."""

    @classmethod
    def define(cls, spec: Any) -> None:
        """The dynamic input namespace ``dynamic_port`` and the output ``total``."""
        super().define(spec)
        spec.input_namespace('dynamic_port', dynamic=True, valid_type=orm.Int)
        spec.output('total', valid_type=orm.Int)
        spec.outline(cls.add)

    def add(self) -> None:
        """Return the sum of the leaves."""
        self.out('total', orm.Int(sum(leaf.value for leaf in _leaves(self.inputs.dynamic_port))).store())
