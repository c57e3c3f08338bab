"""The scheduler: pure functions of the graph's dependencies and the task states, with no AiiDA in sight.

Given which task depends on which (``parents``), the order to consider them in, and the current state of every task
instance, they say which instances are ready to launch, which must be skipped because something they depend on
failed, and whether the graph is done. They never change anything, so control flow is testable in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..enums import TaskState

#: Parent states after which a child may run (a NOT_TAKEN parent that the child needs a value from makes the child
#: NOT_TAKEN first, see :func:`aiida_workgraph.engine.zones.not_taken`).
DONE_OK = frozenset({TaskState.FINISHED, TaskState.NOT_TAKEN})
#: Parent states after which a child can never run.
BLOCKING = frozenset({TaskState.FAILED, TaskState.SKIPPED, TaskState.KILLED})
ACTIVE = frozenset({TaskState.RUNNING})


def ready(order: Iterable[str], parents: Mapping[str, Iterable[str]], states: Mapping[str, str]) -> list[str]:
    """The tasks, in ``order``, that are PLANNED and whose parents have all FINISHED."""
    return [
        name
        for name in order
        if states.get(name, TaskState.PLANNED) == TaskState.PLANNED
        and all(states.get(parent, TaskState.PLANNED) in DONE_OK for parent in parents.get(name, ()))
    ]


def launchable(
    order: Iterable[str], parents: Mapping[str, Iterable[str]], states: Mapping[str, str], limit: int | None = None
) -> list[str]:
    """The ready tasks, in ``order``, that may launch now: all of them, or as many as ``limit`` running
    processes leave room for (a graph's ``max_number_jobs``)."""
    found = ready(order, parents, states)
    if limit is None:
        return found
    return found[: max(0, limit - len(running(states)))]


def blocked(order: Iterable[str], parents: Mapping[str, Iterable[str]], states: Mapping[str, str]) -> list[str]:
    """The PLANNED tasks, in ``order``, that can never run: a task they depend on (directly or not) failed.

    ``order`` must be topological, so a chain of blocked tasks is found in one pass.
    """
    if BLOCKING.isdisjoint(states.values()):
        return []
    found: set[str] = set()
    for name in order:
        if states.get(name, TaskState.PLANNED) != TaskState.PLANNED:
            continue
        if any(
            parent in found or states.get(parent, TaskState.PLANNED) in BLOCKING for parent in parents.get(name, ())
        ):
            found.add(name)
    return [name for name in order if name in found]


def running(states: Mapping[str, str]) -> list[str]:
    """The instances whose process is running."""
    return [name for name, state in states.items() if state in ACTIVE]


def paused(states: Mapping[str, str]) -> list[str]:
    """The instances paused before they ran, sorted."""
    return sorted(name for name, state in states.items() if state == TaskState.PAUSED)


def is_done(order: Iterable[str], parents: Mapping[str, Iterable[str]], states: Mapping[str, str]) -> bool:
    """Whether nothing runs, nothing can be launched and nothing is paused (a paused task may be played)."""
    return not running(states) and not paused(states) and not ready(order, parents, states)


def failed(states: Mapping[str, str]) -> list[str]:
    """The instances that failed or were killed, sorted."""
    return sorted(name for name, state in states.items() if state in (TaskState.FAILED, TaskState.KILLED))


__all__ = ['blocked', 'failed', 'is_done', 'launchable', 'paused', 'ready', 'running']
