"""``task.waiting_on``: the tasks a task waits for without taking a value from them (upstream's name).

It is a live view of the ``_wait`` links into the task: ``add`` links ``other.outputs._wait`` to
``task.inputs._wait`` (as ``other >> task`` does), ``remove`` and ``clear`` delete those links, and iterating yields
the tasks at their other end. So what it holds is exactly what the engine sees (the graph's links), and it is saved,
copied and loaded with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from node_graph.config import WAIT_SOCKET_NAME


class WaitingOn:
    """The tasks that ``task`` waits for through ``_wait`` links; accepts task names, tasks or lists of them."""

    def __init__(self, task: Any) -> None:
        self.task = task

    def _links(self) -> list[Any]:
        """The ``_wait -> _wait`` links into the task."""
        return [
            link
            for link in self.task.graph.links
            if link.to_task is self.task
            and link.to_socket._scoped_name == WAIT_SOCKET_NAME
            and link.from_socket._scoped_name == WAIT_SOCKET_NAME
        ]

    def _tasks(self, tasks: Any) -> list[Any]:
        """The tasks named or given by ``tasks`` (one or a list).

        :raises ValueError: if a name is not a task of the graph, or an item is neither a name nor a task.
        """
        from node_graph.task import Task

        items = [tasks] if isinstance(tasks, (str, Task)) else list(tasks)
        found = []
        for item in items:
            if isinstance(item, str):
                if item not in self.task.graph.tasks:
                    raise ValueError(
                        f'task {self.task.name!r} cannot wait for {item!r}: the graph has no task of that name'
                    )
                item = self.task.graph.tasks[item]
            elif not isinstance(item, Task):
                raise ValueError(f'waiting_on takes task names or tasks, got {type(item).__name__}')
            found.append(item)
        return found

    def add(self, tasks: str | Any | Iterable[str | Any]) -> None:
        """Make the task wait for ``tasks`` (a link from each one's ``_wait`` output; none made twice).

        :raises ValueError: if a name is not a task of the graph.
        """
        present = {link.from_task.name for link in self._links()}
        for other in self._tasks(tasks):
            if other.name not in present:
                self.task.graph.add_link(other.outputs[WAIT_SOCKET_NAME], self.task.inputs[WAIT_SOCKET_NAME])
                present.add(other.name)

    def remove(self, tasks: str | Any | Iterable[str | Any]) -> None:
        """Stop waiting for ``tasks``: delete their ``_wait`` links into the task.

        :raises ValueError: if the task does not wait for one of them.
        """
        links = {link.from_task.name: link for link in self._links()}
        for other in self._tasks(tasks):
            if other.name not in links:
                raise ValueError(f'task {self.task.name!r} does not wait for {other.name!r}')
            del self.task.graph.links[links.pop(other.name).name]

    def clear(self) -> None:
        """Stop waiting for every task (their ``_wait`` links are deleted)."""
        for link in self._links():
            del self.task.graph.links[link.name]

    def __iter__(self) -> Iterator[Any]:
        return iter([link.from_task for link in self._links()])

    def __len__(self) -> int:
        return len(self._links())

    def __contains__(self, item: Any) -> bool:
        name = item if isinstance(item, str) else getattr(item, 'name', None)
        return any(link.from_task.name == name for link in self._links())

    def __repr__(self) -> str:
        return f'WaitingOn(task={self.task.name!r}, tasks={[task.name for task in self]})'


__all__ = ['WaitingOn']
