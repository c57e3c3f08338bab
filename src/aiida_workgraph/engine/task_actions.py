"""Dispatching a task-action message to the tasks it names (importable as upstream's
``aiida_workgraph.engine.task_actions``).

A message ``{'action': 'pause', 'tasks': ['add1']}`` (the action in any case) becomes one call per task on a *state
manager*, the object that owns the tasks' runtime state (in the engine, :class:`~aiida_workgraph.engine.task_control.
EngineTaskStates`):

- ``RESET``: ``state_manager.reset_task(name)``;
- ``SKIP``: ``state_manager.set_task_runtime_info(name, 'state', TaskState.SKIPPED)``;
- ``PAUSE``, ``PLAY``, ``KILL``: ``state_manager.set_task_runtime_info(name, 'action', TaskAction.<ACTION>)``.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from ..enums import TaskAction, TaskState


class TaskStateManager(Protocol):
    """What :class:`TaskActionManager` asks of the owner of the tasks' runtime state."""

    def reset_task(self, name: str) -> None:
        """Plan the ended task ``name`` again."""

    def set_task_runtime_info(self, name: str, key: str, value: Any) -> None:
        """Set ``key`` (``'action'`` or ``'state'``) of the task ``name`` to ``value``."""


#: A state manager may also have ``outcomes``, ``{task: what was done}``, which the report then gives.


def parse_task_action(action: TaskAction | str) -> TaskAction:
    """The :class:`TaskAction` named by ``action``, whatever its case (``'pause'``, ``'PaUsE'``).

    :raises ValueError: if ``action`` names no task action.
    """
    try:
        return TaskAction(str(action).upper())
    except ValueError:
        known = ', '.join(member.value for member in TaskAction)
        raise ValueError(f'unknown task action {action!r}; use one of {known} (in any case)') from None


class TaskActionManager:
    """Applies task-action messages to a graph's tasks through a state manager, and reports each message.

    :param state_manager: the owner of the tasks' runtime state (see :class:`TaskStateManager`).
    :param logger: where each applied action is logged.
    :param process: the process that reports it (anything with ``report(message)``).
    """

    def __init__(self, state_manager: TaskStateManager, logger: logging.Logger, process: Any) -> None:
        self.state_manager = state_manager
        self.logger = logger
        self.process = process

    def apply_task_actions(self, msg: dict[str, Any]) -> TaskAction:
        """Apply ``msg['action']`` to each task of ``msg['tasks']``; return the action applied.

        The process reports ``Action: <ACTION>. Tasks: [...]``, followed by what was done to each task when the state
        manager has ``outcomes``.

        :raises ValueError: if the action is unknown; nothing is applied then.
        """
        action = parse_task_action(msg['action'])
        tasks = list(msg.get('tasks') or [])
        for name in tasks:
            if action is TaskAction.RESET:
                self.state_manager.reset_task(name)
            elif action is TaskAction.SKIP:
                self.state_manager.set_task_runtime_info(name, 'state', TaskState.SKIPPED)
            else:
                self.state_manager.set_task_runtime_info(name, 'action', action)
        # Upstream's words first, then what was done to each task when the state manager tells (``outcomes``).
        outcomes = getattr(self.state_manager, 'outcomes', {})
        details = '; '.join(f'{name}: {outcomes[name]}' for name in tasks if name in outcomes)
        message = f'Action: {action}. Tasks: {tasks}' + (f' ({details})' if details else '')
        self.logger.info(message)
        self.process.report(message)
        return action


__all__ = ['TaskActionManager', 'TaskStateManager', 'parse_task_action']
