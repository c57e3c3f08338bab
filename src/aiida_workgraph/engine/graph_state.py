"""The runtime state of a running WorkGraph: one record per task instance, and the graph's ``ctx``.

:class:`GraphState` is the one owner of that state. Every change is written to the process node's task records
(:meth:`GraphState.pending_records`) before the checkpoint that follows it, so the records are the durable log of what
finished. The checkpoint (:meth:`GraphState.to_checkpoint`) therefore holds only the instances that are not done yet
and ``ctx``; :meth:`GraphState.from_checkpoint` plus :meth:`GraphState.merge_records` rebuild the whole state, and a
checkpoint's size does not grow with the number of finished tasks. An instance key is the task name; instances of a
task inside a loop or a map get their own keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..enums import TASK_ERROR, TASK_PROCESS, TASK_RESULT, TASK_STATE, TERMINAL_TASK_STATES, TaskState

#: Checkpoint states the records of the node may move forward (a finished run the checkpoint did not see yet).
_UNSETTLED = (TaskState.PLANNED, TaskState.READY, TaskState.RUNNING)


@dataclass
class InstanceRecord:
    """The runtime record of one task instance.

    :param state: its :class:`~aiida_workgraph.enums.TaskState` value.
    :param process: the pk of its process node, once launched.
    :param results: the pks of its result nodes (nested by output name), once finished.
    :param error: why it failed.
    :param attempt: how many times it was launched.
    :param retries: how many retries each error handler asked for (by handler name).
    :param inputs: the inputs changed by error handlers: ``{'data': {path: pk}, 'plain': {...}}``.
    """

    state: str = TaskState.PLANNED.value
    process: int | None = None
    results: dict[str, Any] | None = None
    error: str | None = None
    attempt: int = 0
    retries: dict[str, int] | None = None
    inputs: dict[str, Any] | None = None


@dataclass
class GraphState:
    """Task instance records and the graph ``ctx``, with the record changes not yet written to the node."""

    instances: dict[str, InstanceRecord] = field(default_factory=dict)
    ctx: dict[str, Any] = field(default_factory=dict)
    _changes: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def record(self, key: str) -> InstanceRecord:
        """The record of instance ``key`` (a PLANNED one if it has none yet)."""
        if key not in self.instances:
            self.instances[key] = InstanceRecord()
        return self.instances[key]

    def states(self) -> dict[str, str]:
        """``{instance: state}`` of every instance that has a record."""
        return {key: record.state for key, record in self.instances.items()}

    def set_state(self, key: str, state: TaskState) -> None:
        """Set the state of an instance."""
        self.record(key).state = state.value
        self._changes[(TASK_STATE, key)] = state.value

    def launched(self, key: str, process: int) -> None:
        """An instance's process was created: it runs until :meth:`finished` or :meth:`failed`."""
        record = self.record(key)
        record.process = process
        record.attempt += 1
        self._changes[(TASK_PROCESS, key)] = process
        self.set_state(key, TaskState.RUNNING)

    def finished(self, key: str, results: dict[str, Any]) -> None:
        """An instance finished with the result nodes whose pks are ``results``."""
        self.record(key).results = results
        self._changes[(TASK_RESULT, key)] = results
        self.set_state(key, TaskState.FINISHED)

    def failed(self, key: str, error: str, process: int | None = None) -> None:
        """An instance failed; ``process`` is its process node when it got as far as making one."""
        record = self.record(key)
        record.error = error
        self._changes[(TASK_ERROR, key)] = error
        if process is not None and record.process != process:
            record.process = process
            self._changes[(TASK_PROCESS, key)] = process
        self.set_state(key, TaskState.FAILED)

    def killed(self, key: str, error: str) -> None:
        """An instance was killed (before it ran, or its process was killed)."""
        self.record(key).error = error
        self._changes[(TASK_ERROR, key)] = error
        self.set_state(key, TaskState.KILLED)

    def reset(self, key: str) -> None:
        """An ended instance is planned again: its results and error are forgotten (on the node, until it ends
        again, its last process and results stay recorded)."""
        record = self.record(key)
        record.results = None
        record.error = None
        self._changes[(TASK_ERROR, key)] = ''
        self.set_state(key, TaskState.PLANNED)

    def retry(self, key: str, retries: dict[str, int], inputs: dict[str, Any]) -> None:
        """A failed instance goes back to PLANNED for another attempt, with the error handlers' input changes."""
        record = self.record(key)
        record.retries = retries
        record.inputs = inputs or None
        self.set_state(key, TaskState.PLANNED)

    def pending_records(self) -> dict[tuple[str, str], Any]:
        """Take the ``{(record, instance): value}`` changes made since the last call."""
        changes, self._changes = self._changes, {}
        return changes

    def to_checkpoint(self) -> dict[str, Any]:
        """The state as plain JSON values: ``ctx`` and the instances not done yet (what differs from PLANNED).

        Instances in a terminal state are left out: the node's task records hold them (see :meth:`merge_records`).
        """
        default = asdict(InstanceRecord())
        instances = {}
        for key, record in self.instances.items():
            if record.state in TERMINAL_TASK_STATES:
                continue
            values = {name: value for name, value in asdict(record).items() if value != default[name]}
            instances[key] = values
        return {'instances': instances, 'ctx': self.ctx}

    @classmethod
    def from_checkpoint(cls, saved: dict[str, Any]) -> GraphState:
        """Rebuild the state written by :meth:`to_checkpoint`."""
        instances = {key: InstanceRecord(**values) for key, values in (saved.get('instances') or {}).items()}
        return cls(instances=instances, ctx=dict(saved.get('ctx') or {}))

    def merge_records(self, records: dict[str, dict[str, Any]]) -> list[str]:
        """Move instances forward to what the node's task records say, where the checkpoint is behind them.

        The records hold every instance that is done (the checkpoint leaves them out), and they are written before
        the checkpoint: after a crash between the two, the records tell that the task finished.

        :param records: ``{record name: {instance: value}}`` as stored on the node.
        :return: the instances that were moved forward.
        """
        moved = []
        for key, state in (records.get(TASK_STATE) or {}).items():
            current = self.record(key)
            if current.state not in _UNSETTLED or state in _UNSETTLED:
                continue
            current.state = state
            current.process = (records.get(TASK_PROCESS) or {}).get(key, current.process)
            current.results = (records.get(TASK_RESULT) or {}).get(key, current.results)
            current.error = (records.get(TASK_ERROR) or {}).get(key, current.error)
            moved.append(key)
        return moved


__all__ = ['GraphState', 'InstanceRecord']
