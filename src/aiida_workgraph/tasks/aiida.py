"""Upstream's module path of the task classes of AiiDA processes: ``AiiDAFunctionTask`` and ``AiiDAProcessTask``."""

from __future__ import annotations

from ..authoring.task_classes import AiiDAFunctionTask, AiiDAProcessTask

__all__ = ['AiiDAFunctionTask', 'AiiDAProcessTask']
