"""``aiida_workgraph.task``: the ``Task`` class and the task handle, where upstream scripts import them from."""

from node_graph.task_spec import TaskHandle, TaskSpec

from .authoring.decorator import WorkGraphTaskHandle
from .authoring.task import Task

__all__ = ['Task', 'TaskHandle', 'TaskSpec', 'WorkGraphTaskHandle']
