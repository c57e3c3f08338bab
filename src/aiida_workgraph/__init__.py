"""aiida-workgraph: node-based workflows for AiiDA whose engine converts every value once, up front.

A drop-in replacement for upstream aiida-workgraph 0.9: same import name, public API and entry points.
"""

from node_graph.collection import group

from . import socket_spec
from . import socket_spec as spec
from . import task as _task_module  # the module `aiida_workgraph.task`, loaded before the name `task` is bound below
from .authoring.current_graph import get_current_graph
from .authoring.decorator import task
from .authoring.shelljob import shelljob
from .authoring.workgraph import WorkGraph
from .authoring.zones import If, Map, While, Zone
from .registry import TaskPool
from .serialization.errors import WorkGraphSerializationError
from .socket_spec import dynamic, meta, namespace, select
from .task import Task

del _task_module

__version__ = '0.9.8'

__all__ = [
    'If',
    'Map',
    'Task',
    'TaskPool',
    'While',
    'WorkGraph',
    'WorkGraphSerializationError',
    'Zone',
    '__version__',
    'dynamic',
    'get_current_graph',
    'group',
    'meta',
    'namespace',
    'select',
    'shelljob',
    'socket_spec',
    'spec',
    'task',
]
