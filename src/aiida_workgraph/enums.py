"""States of a task instance and the actions that change them (importable as upstream's ``aiida_workgraph.enums``).

Both are ``str`` enums: a state compares equal to its name (``TaskState.FINISHED == 'FINISHED'``), which is how it
is written to the node's task records and to checkpoints.
"""

from __future__ import annotations

from enum import Enum


class TaskState(str, Enum):
    """The state of one task instance in a running WorkGraph.

    ``SKIPPED`` means a task it depends on failed (or was killed); ``NOT_TAKEN`` means the task sits in a branch or
    loop body that the control flow did not enter, which is not a failure. ``CREATED`` (its process exists but has
    not started) and ``MAPPED`` (a task of a ``Map`` zone, copied per item) are upstream aiida-workgraph's members,
    accepted wherever a state is read.
    """

    PLANNED = 'PLANNED'
    READY = 'READY'
    CREATED = 'CREATED'
    RUNNING = 'RUNNING'
    FINISHED = 'FINISHED'
    FAILED = 'FAILED'
    SKIPPED = 'SKIPPED'
    MAPPED = 'MAPPED'
    NOT_TAKEN = 'NOT_TAKEN'
    KILLED = 'KILLED'
    PAUSED = 'PAUSED'

    def __str__(self) -> str:
        return self.value

    @property
    def is_terminal(self) -> bool:
        """Whether a task instance in this state stays in it on its own (it is in :data:`TERMINAL_TASK_STATES`)."""
        return self in TERMINAL_TASK_STATES


class TaskAction(str, Enum):
    """An action asked of a task of a running WorkGraph (``pause_tasks``, ``play_tasks``, ``kill_tasks``...)."""

    PAUSE = 'PAUSE'
    PLAY = 'PLAY'
    SKIP = 'SKIP'
    RESET = 'RESET'
    KILL = 'KILL'

    def __str__(self) -> str:
        return self.value


#: Names of the per-task records a WorkGraph process node keeps in its attributes (``{task: value}`` each).
TASK_STATE = 'task_states'
TASK_PROCESS = 'task_processes'
TASK_RESULT = 'task_results'
TASK_ERROR = 'task_errors'
TASK_RECORDS = (TASK_STATE, TASK_PROCESS, TASK_RESULT, TASK_ERROR)

#: States a task instance does not leave on its own.
TERMINAL_TASK_STATES = frozenset(
    {TaskState.FINISHED, TaskState.FAILED, TaskState.SKIPPED, TaskState.NOT_TAKEN, TaskState.KILLED}
)

__all__ = [
    'TASK_ERROR',
    'TASK_PROCESS',
    'TASK_RECORDS',
    'TASK_RESULT',
    'TASK_STATE',
    'TERMINAL_TASK_STATES',
    'TaskAction',
    'TaskState',
]
