"""The task classes of the task kinds, as upstream names them: the class a task of each kind is an instance of.

``build_handle`` gives a task made from a plain function a :class:`PyFunctionTask`, from a PythonJob function a
:class:`PythonJobTask`, from a process function an :class:`AiiDAFunctionTask`, from a ``CalcJob`` or ``WorkChain``
class an :class:`AiiDAProcessTask`, from a ``@task.graph`` function a :class:`GraphTask` and ``shelljob`` a
:class:`ShellJobTask`. They add no behaviour of
their own to :class:`~aiida_workgraph.authoring.task.Task`, except :meth:`AiiDAProcessTask.build` (the spec of a
process class is not stored with the graph, ``SchemaSource.CALLABLE``, but built again from the class) and
:meth:`ShellJobTask.set_inputs` and :meth:`PythonJobTask.to_dict`.
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

    def to_dict(self, *args: Any, should_serialize: bool = False, **kwargs: Any) -> dict[str, Any]:
        """The task's dict; with ``should_serialize=True`` the values of the function's inputs are AiiDA data,
        converted by the rules of the engine's walk (the job inputs, ``computer``, ``metadata``, ..., stay as
        they are).

        :raises aiida_workgraph.serialization.errors.ConversionRefused: if a value cannot be converted.
        """
        data = super().to_dict(*args, **kwargs)
        if should_serialize:
            from ..serialization.convert import to_data
            from ..tasks.pythonjob import JOB_INPUTS

            def convert(value: Any) -> Any:
                if isinstance(value, dict):
                    return {key: convert(item) for key, item in value.items()}
                return value if value is None else to_data(value, for_daemon=False)

            inputs = data.get('inputs') or {}
            data['inputs'] = {
                name: value if name in JOB_INPUTS or name.startswith('_') else convert(value)
                for name, value in inputs.items()
            }
        return data


class AiiDAFunctionTask(Task):
    """A ``calcfunction`` or ``workfunction`` task (kinds ``CALCFUNCTION``, ``WORKFUNCTION``)."""


class GraphTask(Task):
    """A ``@task.graph`` function, run as a child WorkGraph process (kind ``GRAPH``)."""


class ShellJobTask(Task):
    """A shell command run by aiida-shell's ``ShellJob`` (kind ``SHELLJOB``, made by ``shelljob``).

    ``metadata.computer`` may be set to a ``Computer``: it is kept as its label (a plain value of the graph), and the
    computer is loaded by that label when the job launches.
    """

    def set_inputs(self, inputs: dict[str, Any]) -> None:
        """Set the inputs, a ``Computer`` in ``metadata.computer`` (or ``{'metadata': {'computer': ...}}``) as its
        label."""
        super().set_inputs({key: _computer_as_label(key, value) for key, value in (inputs or {}).items()})


def _computer_as_label(key: str, value: Any) -> Any:
    from aiida import orm

    if key == 'metadata.computer' and isinstance(value, orm.Computer):
        return value.label
    if key == 'metadata' and isinstance(value, dict) and isinstance(value.get('computer'), orm.Computer):
        return {**value, 'computer': value['computer'].label}
    return value


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
    'SHELLJOB': ShellJobTask,
}

__all__ = [
    'KIND_TASK_CLASSES',
    'AiiDAFunctionTask',
    'AiiDAProcessTask',
    'GraphTask',
    'PyFunctionTask',
    'PythonJobTask',
    'ShellJobTask',
]
