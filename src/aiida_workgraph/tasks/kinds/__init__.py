"""The task kinds: one small class per kind, found through :func:`get_kind` and :func:`infer_kind`.

A kind says how a task's sockets are built from what the user decorated, how the engine's walk sees its inputs, which
inputs it requires, and how it launches. The authoring layer and the engine ask these classes instead of switching on
kind names. A new kind is one class registered in :data:`KINDS`.
"""

from __future__ import annotations

from typing import Any

from .awaited import AsyncFunctionKind, MonitorKind
from .base import Launcher, TaskKind, TaskView
from .context import GetContextKind, SetContextKind
from .graph_task import GraphTaskKind
from .map import GatherItemKind, MapItemKind, MapKind
from .process_class import CalcJobKind, WorkChainKind
from .process_function import CalcFunctionKind, WorkFunctionKind
from .pyfunction import PyFunctionKind
from .pythonjob import PythonJobKind
from .shelljob import ShellJobKind
from .subgraph import SubGraphKind
from .zones import IfKind, WhileKind, ZoneKind

#: Every kind, in the order :func:`infer_kind` tries them.
KINDS: tuple[TaskKind, ...] = (
    CalcFunctionKind(),
    WorkFunctionKind(),
    CalcJobKind(),
    WorkChainKind(),
    PythonJobKind(),
    ShellJobKind(),
    GraphTaskKind(),
    SubGraphKind(),
    ZoneKind(),
    IfKind(),
    WhileKind(),
    MapKind(),
    MapItemKind(),
    GatherItemKind(),
    MonitorKind(),
    SetContextKind(),
    GetContextKind(),
    AsyncFunctionKind(),
    PyFunctionKind(),
)
_BY_NAME = {name: kind for kind in KINDS for name in (kind.name, *kind.aliases)}


def get_kind(name: str) -> TaskKind:
    """The kind registered under ``name`` (the ``task_type`` stored in a task's spec).

    :raises ValueError: if no kind has this name.
    """
    try:
        return _BY_NAME[name.upper()]
    except KeyError:
        raise ValueError(f'unknown task kind {name!r}; known kinds: {", ".join(sorted(_BY_NAME))}') from None


def infer_kind(obj: Any) -> TaskKind:
    """The kind of a decorated object: a process function, a process class or a plain function.

    :raises TypeError: if ``obj`` can be none of these.
    """
    for kind in KINDS:
        if kind.matches(obj):
            return kind
    raise TypeError(f'cannot make a task from {obj!r}: expected a function, a process function or a Process class')


__all__ = ['KINDS', 'Launcher', 'PythonJobKind', 'TaskKind', 'TaskView', 'get_kind', 'infer_kind']
