"""What aiida-core's persister loads for an unfinished upstream WorkGraph: the hold, never upstream's checkpoint.

Loaded here in the test's interpreter (a runner without a broker), as a daemon worker loads it; the daemon itself is
in ``test_upstream_daemon.py``.
"""

from __future__ import annotations

import copy
from typing import Any

import plumpy
from aiida import orm
from aiida.engine import ProcessState
from aiida.manage import get_manager

from aiida_workgraph.orm import WorkGraphNode
from aiida_workgraph.orm.upstream_graph import HOLD_REPORT, HOLD_STATUS, UpstreamWorkGraphHold


def _unfinished_copy(source: orm.ProcessNode) -> WorkGraphNode:
    """A new unfinished upstream WorkGraph node with ``source``'s attributes but no checkpoint (as after an import)."""
    node = WorkGraphNode()
    for key in ('workgraph_data', 'task_states', 'task_processes', 'task_inputs', 'version'):
        node.base.attributes.set(key, copy.deepcopy(source.base.attributes.get(key)))
    node.set_process_state(ProcessState.WAITING)
    return node.store()


def test_hold_loads_instead_of_upstream_checkpoint(upstream_graphs: dict[str, Any]) -> None:
    """A node without a checkpoint loads as the hold too: it reports once, sets its status and changes nothing else."""
    node = _unfinished_copy(upstream_graphs['upstream_unfinished'])
    attributes = copy.deepcopy(node.base.attributes.all)
    runner = get_manager().create_runner(communicator=None)
    for _ in range(2):
        bundle = runner.persister.load_checkpoint(node.pk)
        process = bundle.unbundle(plumpy.persistence.LoadSaveContext(runner=runner))
        assert isinstance(process, UpstreamWorkGraphHold)
        assert process.node.pk == node.pk
        assert process.state == ProcessState.WAITING
        process.close()
    node = orm.load_node(node.pk)
    assert node.process_status == HOLD_STATUS
    assert {key: value for key, value in node.base.attributes.all.items() if key != 'process_status'} == attributes
    assert node.base.attributes.get(orm.ProcessNode.CHECKPOINT_KEY, None) is None
    reports = [log.message for log in orm.Log.collection.get_logs_for(node)]
    assert len(reports) == 1
    assert reports[0].endswith(HOLD_REPORT.format(version='0.9.0', pk=node.pk))
