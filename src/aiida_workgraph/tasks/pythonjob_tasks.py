"""Upstream's module path of the task classes of Python functions: ``PyFunctionTask`` and ``PythonJobTask``."""

from __future__ import annotations

from ..authoring.task_classes import PyFunctionTask, PythonJobTask

__all__ = ['PyFunctionTask', 'PythonJobTask']
