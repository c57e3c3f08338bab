"""The process node of a WorkGraph run."""

from __future__ import annotations

import json
from typing import Any

from aiida.common.log import AIIDA_LOGGER
from aiida.orm import WorkChainNode

from ..serialization.checkpoint import CheckpointError

STRUCTURE_FILENAME = 'workgraph.json'
TASK_STATE = 'task_states'
TASK_PROCESS = 'task_processes'
TASK_RESULT = 'task_results'
TASK_ERROR = 'task_errors'
TASK_RECORDS = (TASK_STATE, TASK_PROCESS, TASK_RESULT, TASK_ERROR)
#: How every checkpoint written by aiida-core's persister (a serialized ``plumpy`` bundle) starts.
BUNDLE_TAG = '!plumpy:bundle'


class WorkGraphNode(WorkChainNode):
    """The node of a ``WorkGraphEngine`` process.

    It holds the graph structure once, in its file repository (``workgraph.json``), and a per-task record of the
    run in its attributes: ``task_states``, ``task_processes`` (pk of each task's process), ``task_results`` (pks
    of the results of plain-function tasks) and ``task_errors``, each a ``{task: value}`` dict.
    """

    _updatable_attributes = (*WorkChainNode._updatable_attributes, *TASK_RECORDS)

    @property
    def checkpoint(self) -> str | None:
        """Return the checkpoint of the process, or ``None`` if it has none.

        aiida-core's persister reads the checkpoint through this property and would hand anything that is not a
        serialized bundle to ``plumpy``, which fails with an error that names neither the process nor the cause.

        :raises CheckpointError: naming the process, if the stored checkpoint is not a serialized process bundle.
        """
        checkpoint = super().checkpoint
        if checkpoint is not None and not (isinstance(checkpoint, str) and checkpoint.startswith(BUNDLE_TAG)):
            raise CheckpointError(
                f'WorkGraph<{self.pk}>: the checkpoint cannot be loaded: it is corrupt (not a serialized process '
                f'bundle; it starts with {str(checkpoint)[:40]!r})'
            )
        return checkpoint

    def get_structure(self) -> dict[str, Any]:
        """Return the graph structure stored when the process was created.

        :raises FileNotFoundError: if the node holds no graph structure.
        """
        return json.loads(self.base.repository.get_object_content(STRUCTURE_FILENAME, mode='rb'))

    def task_record(self, record: str) -> dict[str, Any]:
        """Return the ``{task: value}`` dict of one of the ``TASK_*`` records."""
        return self.base.attributes.get(record, {})

    def update_task_records(self, changes: dict[tuple[str, str], Any]) -> None:
        """Apply ``{(record, task): value}`` changes to the task records in one database write."""
        records: dict[str, dict[str, Any]] = {}
        for (record, task), value in changes.items():
            records.setdefault(record, dict(self.task_record(record)))[task] = value
        self.base.attributes.set_many(records)


# aiida-core names a node class's logger after its module; outside ``aiida.*`` it would miss the ``aiida`` logger's
# handlers, so the engine's ``report()`` messages would reach neither the database nor ``verdi process report``.
WorkGraphNode._logger = AIIDA_LOGGER.getChild('orm.nodes.process.workflow.workgraph.WorkGraphNode')
