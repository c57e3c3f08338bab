"""Upstream's module path of the task class of ``@task.graph`` functions: ``GraphTask``."""

from __future__ import annotations

from ..authoring.task_classes import GraphTask

__all__ = ['GraphTask']
