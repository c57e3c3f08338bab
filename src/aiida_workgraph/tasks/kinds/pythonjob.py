"""``task.pythonjob`` tasks: a Python function run by aiida-pythonjob's ``PythonJob`` CalcJob."""

from __future__ import annotations

from typing import Any

from aiida import orm
from node_graph.socket_spec import SocketSpec

from ...socket_spec import infer_specs_from_callable
from ..pythonjob import JOB_INPUTS, add_job_inputs, add_job_outputs, pythonjob_inputs
from .base import Launcher, TaskKind, TaskView

#: The ``aiida.parsers`` entry point of :class:`~aiida_workgraph.tasks.pythonjob_parser.WorkGraphPythonJobParser`,
#: which keeps a dataclass or pydantic result of a job with one output whole.
PARSER_NAME = 'workgraph.pythonjob'


class PythonJobKind(TaskKind):
    """The function's sockets plus the job inputs (``computer``, ``code``, ...); submitted as a ``PythonJob``."""

    name = 'PYTHONJOB'

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """The function's sockets plus the job inputs and ``PythonJob``'s other ports and outputs."""
        func_in, out_spec = infer_specs_from_callable(obj, inputs, outputs)
        return add_job_inputs(func_in), add_job_outputs(out_spec)

    def process_class(self, task: TaskView) -> Any:
        """aiida-pythonjob's ``PythonJob``."""
        from aiida_pythonjob.calculations.pythonjob import PythonJob

        return PythonJob

    def required_inputs(self, task: TaskView) -> list[str]:
        """The function's required arguments (the job inputs all have defaults)."""
        return [name for name in super().required_inputs(task) if name not in JOB_INPUTS]

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Assemble the ``PythonJob`` inputs around the converted nodes and submit it.

        The job is parsed by :data:`PARSER_NAME` unless the task's ``metadata.options.parser_name`` names a parser.
        """
        job_inputs = pythonjob_inputs(task.name, task.callable, task.spec.inputs, task.spec.outputs, inputs)
        metadata = job_inputs['metadata']
        metadata['options'] = {'parser_name': PARSER_NAME, **(metadata.get('options') or {})}
        return launcher.submit(self.process_class(task), **job_inputs)
