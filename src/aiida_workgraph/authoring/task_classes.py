"""The task classes of the task kinds, as upstream names them: the class a task of each kind is an instance of.

``build_handle`` gives a task made from a plain function a :class:`PyFunctionTask`, from a PythonJob function a
:class:`PythonJobTask`, from a process function an :class:`AiiDAFunctionTask`, from a ``CalcJob`` or ``WorkChain``
class an :class:`AiiDAProcessTask` and from a ``@task.graph`` function a :class:`GraphTask`. They add no behaviour of
their own to :class:`~aiida_workgraph.authoring.task.Task`, except :meth:`AiiDAProcessTask.build`: the spec of a
process class is not stored with the graph (``SchemaSource.CALLABLE``) but built again from the class.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from node_graph.task_spec import TaskSpec

from .task import Task


class PyFunctionTask(Task):
    """A plain ``@task`` function, run as aiida-pythonjob's ``PyFunction`` process (kind ``PYFUNCTION``)."""


class PythonJobTask(Task):
    """A ``@task.pythonjob`` function, run as aiida-pythonjob's ``PythonJob`` CalcJob (kind ``PYTHONJOB``)."""


class AiiDAFunctionTask(Task):
    """A ``calcfunction`` or ``workfunction`` task (kinds ``CALCFUNCTION``, ``WORKFUNCTION``)."""


class GraphTask(Task):
    """A ``@task.graph`` function, run as a child WorkGraph process (kind ``GRAPH``)."""


class AiiDAProcessTask(Task):
    """A ``CalcJob`` or ``WorkChain`` class run as a child process (kinds ``CALCJOB``, ``WORKCHAIN``).

    Its spec is stored by reference to the class (``SchemaSource.CALLABLE``) when it was made from the class alone,
    and rebuilt by :meth:`build` when the graph is loaded.
    """

    _default_spec = TaskSpec(
        identifier='workgraph.aiida_process',
        task_type='Normal',
        catalog='AiiDA',
        base_class_path='aiida_workgraph.tasks.builtins.AiiDAProcessTask',
    )

    @classmethod
    def build(cls, process_class: Any) -> TaskSpec:
        """The spec of a task made from ``process_class`` alone (``task(process_class)``).

        :raises TypeError: if ``process_class`` is not an AiiDA process class.
        """
        return _process_spec(process_class)


@cache
def _process_spec(process_class: Any) -> TaskSpec:
    """The spec of ``task(process_class)``, built once per class (a graph of many such tasks loads it once)."""
    from .decorator import build_handle

    return build_handle(process_class)._spec


#: The task class of each task kind made by ``build_handle`` (the others use ``Task``).
KIND_TASK_CLASSES: dict[str, type[Task]] = {
    'PYFUNCTION': PyFunctionTask,
    'PYTHONJOB': PythonJobTask,
    'CALCFUNCTION': AiiDAFunctionTask,
    'WORKFUNCTION': AiiDAFunctionTask,
    'CALCJOB': AiiDAProcessTask,
    'WORKCHAIN': AiiDAProcessTask,
    'GRAPH': GraphTask,
}

__all__ = [
    'KIND_TASK_CLASSES',
    'AiiDAFunctionTask',
    'AiiDAProcessTask',
    'GraphTask',
    'PyFunctionTask',
    'PythonJobTask',
]
