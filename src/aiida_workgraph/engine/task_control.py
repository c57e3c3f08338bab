"""Controlling the tasks of a running WorkGraph: pause, play, kill and reset them through the broker.

A client (``WorkGraph.pause_tasks``, ``workgraph task pause PROCESS TASKS``) sends an RPC to the engine process, as
aiida-core does to pause or kill a process (:func:`send_task_action`). The engine, in its worker, applies the action
between two steps (:func:`apply_task_action`) and answers with what it did to each task:

- ``PAUSE``: a planned task is PAUSED and not launched until played; a running task's process is paused.
- ``PLAY``: a paused task is planned again; a running task's (paused) process is played.
- ``KILL``: a planned or paused task is KILLED (the tasks that depend on it are skipped); a running task's process
  is killed, and the task is KILLED when it ends.
- ``RESET``: an ended task (and every ended task that depends on it) is planned again, to run as a new process.
- ``SKIP``: a planned or paused task is SKIPPED without running (the tasks that depend on it are skipped too).

The engine dispatches an action through :class:`~aiida_workgraph.engine.task_actions.TaskActionManager` (upstream's
dispatcher), with :class:`EngineTaskStates` as its state manager.

A graph whose only unfinished tasks are paused waits; it does not finish.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiida import orm

from ..enums import TERMINAL_TASK_STATES, TaskAction, TaskState
from .task_actions import TaskActionManager

LOGGER = logging.getLogger(__name__)

#: The RPC intent of a task action (besides plumpy's ``play``, ``pause``, ``kill``, ``status``).
TASK_ACTION_INTENT = 'workgraph_task_action'
#: The actions a running graph's tasks accept.
ACTIONS = ('PAUSE', 'PLAY', 'KILL', 'RESET', 'SKIP')
#: Each action in words (``its tasks cannot be paused``).
_PAST = {
    TaskAction.PAUSE: 'paused',
    TaskAction.PLAY: 'played',
    TaskAction.KILL: 'killed',
    TaskAction.RESET: 'reset',
    TaskAction.SKIP: 'skipped',
}
#: The key of the engine's answer that carries why it refused a request.
ERROR_KEY = '__error__'


class TaskControlError(RuntimeError):
    """A task action could not be delivered to the engine process."""


def send_task_action(pk: int, action: TaskAction | str, tasks: list[str], timeout: float = 10.0) -> dict[str, str]:
    """Ask the running WorkGraph process ``pk`` to apply ``action`` to ``tasks``; return what it did to each.

    :raises ValueError: if ``pk`` is not a WorkGraph process, it has ended, the action is unknown or no task is given
        (the engine raises the same for task names it does not have).
    :raises TaskControlError: if the profile has no broker, or no running process answers (it runs in no daemon
        worker, e.g. it was saved and not continued, or run in another interpreter without a broker).
    """
    from plumpy.futures import unwrap_kiwi_future
    from plumpy.process_comms import INTENT_KEY

    from ..orm.workgraph_node import WorkGraphNode

    if str(action).upper() not in ACTIONS:
        raise ValueError(f'unknown task action {action!r}; use one of {", ".join(ACTIONS)}')
    action = TaskAction(str(action).upper())
    node = orm.load_node(pk)
    if node.is_terminated:  # checked first, as upstream does; its words start the message
        state = node.process_state.value
        raise ValueError(
            f'WorkGraph is {state}. Cannot {action.value.lower()} tasks. WorkGraph<{node.pk}> has ended ({state}): '
            f'its tasks cannot be {_PAST[action]}; restart() it to run tasks again'
        )
    if not isinstance(node, WorkGraphNode):
        raise ValueError(f'node <{node.pk}> is a {type(node).__name__}, not a WorkGraph process')
    if not tasks:
        raise ValueError(f'name the tasks of WorkGraph<{node.pk}> to {action.value.lower()}')
    communicator = _communicator()
    message = {INTENT_KEY: TASK_ACTION_INTENT, 'action': action.value, 'tasks': list(tasks)}
    deadline = time.monotonic() + timeout
    while True:  # a process just submitted has no recipient until a daemon worker picks it up
        try:
            future = communicator.rpc_send(node.pk, message)
            answer = unwrap_kiwi_future(future).result(timeout=max(deadline - time.monotonic(), 0.1))
        except Exception as exception:  # noqa: BLE001 - kiwipy raises its own errors for an unroutable message
            unrouted = 'not found' in str(exception).lower() or 'unroutable' in type(exception).__name__.lower()
            if unrouted and time.monotonic() < deadline and not orm.load_node(node.pk).is_terminated:
                time.sleep(0.5)
                continue
            raise TaskControlError(
                f'WorkGraph<{node.pk}> did not answer the {action.value} request within {timeout} s '
                f'({type(exception).__name__}: {exception}); is it running in a daemon worker? A saved process must '
                'be continued first.'
            ) from exception
        if ERROR_KEY in answer:
            raise ValueError(answer[ERROR_KEY])
        return answer


def _communicator() -> Any:
    """The profile's broker communicator.

    :raises TaskControlError: if the profile has no broker.
    """
    from aiida.manage import get_manager

    try:
        communicator = get_manager().get_communicator()
    except Exception as exception:  # noqa: BLE001 - aiida-core raises several kinds of errors without a broker
        raise TaskControlError(
            f'controlling tasks needs the profile broker, which is not available: {exception}'
        ) from exception
    if communicator is None:
        raise TaskControlError('controlling tasks needs the profile broker; this profile has none')
    return communicator


def apply_task_action(engine: Any, action: str, tasks: list[str]) -> dict[str, str]:
    """Apply ``action`` to ``tasks`` in the running ``engine`` (a ``WorkGraphEngine``); return what was done to each.

    An unknown action or task changes nothing: the answer is ``{ERROR_KEY: why}``, which the client raises as a
    ``ValueError``.
    """
    if action not in ACTIONS:
        return {ERROR_KEY: f'unknown task action {action!r}; use one of {", ".join(ACTIONS)}'}
    action = TaskAction(action)
    unknown = sorted(set(tasks) - set(engine.instances.instances))
    if unknown:
        return {ERROR_KEY: f'WorkGraph<{engine.node.pk}> has no tasks named {", ".join(unknown)}'}
    states = EngineTaskStates(engine)
    TaskActionManager(states, LOGGER, engine).apply_task_actions({'action': action, 'tasks': tasks})
    engine._write_records()
    engine._wake()
    return states.outcomes


class EngineTaskStates:
    """The state manager of a running engine's tasks, as
    :class:`~aiida_workgraph.engine.task_actions.TaskActionManager` drives it; ``outcomes`` records what was done to
    each task (the answer to the client)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.outcomes: dict[str, str] = {}

    def reset_task(self, name: str) -> None:
        """Plan the ended task ``name`` again, with every ended task that depends on it."""
        self.outcomes[name] = _reset(self.engine, name)

    def set_task_runtime_info(self, name: str, key: str, value: Any) -> None:
        """Apply ``value`` to the task ``name``: ``key='action'`` with PAUSE, PLAY or KILL, or ``key='state'`` with
        SKIPPED (skip it before it runs).

        :raises ValueError: for any other key or value.
        """
        handlers = {TaskAction.PAUSE: _pause, TaskAction.PLAY: _play, TaskAction.KILL: _kill}
        if key == 'action' and value in handlers:
            self.outcomes[name] = handlers[value](self.engine, name)
        elif key == 'state' and value == TaskState.SKIPPED:
            self.outcomes[name] = _skip(self.engine, name)
        else:
            raise ValueError(f'cannot set {key!r} of task {name!r} to {value!r}')


def _pause(engine: Any, name: str) -> str:
    record = engine.graph_state.record(name)
    if record.state == TaskState.PLANNED:
        engine.graph_state.set_state(name, TaskState.PAUSED)
        return 'paused'
    if record.state == TaskState.RUNNING and record.process is not None:
        engine.runner.controller.pause_process(record.process, msg_text=f'task {name} paused through its WorkGraph')
        return f'its process <{record.process}> was asked to pause'
    return f'not paused: it is {record.state}'


def _play(engine: Any, name: str) -> str:
    record = engine.graph_state.record(name)
    if record.state == TaskState.PAUSED:
        engine.graph_state.set_state(name, TaskState.PLANNED)
        return 'planned again'
    if record.state == TaskState.RUNNING and record.process is not None:
        engine.runner.controller.play_process(record.process)
        return f'its process <{record.process}> was asked to play'
    return f'not played: it is {record.state}'


def _kill(engine: Any, name: str) -> str:
    record = engine.graph_state.record(name)
    if record.state in (TaskState.PLANNED, TaskState.PAUSED):
        engine.graph_state.killed(name, 'killed through kill_tasks before it ran')
        return 'killed'
    if record.state == TaskState.RUNNING and record.process is not None:
        engine.runner.controller.kill_process(record.process, msg_text=f'task {name} killed through its WorkGraph')
        return f'its process <{record.process}> was asked to stop'
    return f'not killed: it is {record.state}'


def _skip(engine: Any, name: str) -> str:
    record = engine.graph_state.record(name)
    if record.state in (TaskState.PLANNED, TaskState.PAUSED):
        engine.graph_state.set_state(name, TaskState.SKIPPED)
        return 'skipped, with the tasks that depend on it'
    return f'not skipped: it is {record.state}'


def _reset(engine: Any, name: str) -> str:
    state = engine.graph_state
    if state.record(name).state not in TERMINAL_TASK_STATES:
        return f'not reset: it is {state.record(name).state}'
    for task in [name, *sorted(engine.instances.descendants(name))]:
        if state.record(task).state in TERMINAL_TASK_STATES:
            state.reset(task)
    return 'planned again, with the tasks that depend on it'


__all__ = ['TASK_ACTION_INTENT', 'EngineTaskStates', 'TaskControlError', 'apply_task_action', 'send_task_action']
