"""The task class of shell jobs (``shelljob``): ``ShellJobTask``."""

from __future__ import annotations

from ..authoring.task_classes import ShellJobTask

__all__ = ['ShellJobTask']
