"""Fixtures of the tests on WorkGraphs made by upstream aiida-workgraph 0.9.0, without upstream installed.

``tests/data/upstream-0.9.0.aiida`` is an AiiDA archive of three graphs that upstream 0.9.0 ran
(``scripts/make_upstream_archive.sh``; their task functions are ``upstream_db.upstream_tasks``):
``upstream_finished``, ``upstream_failed`` and ``upstream_unfinished`` (its CalcJob still waiting, the daemon
stopped). aiida-core drops checkpoints when it imports an archive, so the unfinished graph's checkpoint, as upstream
wrote it, is kept beside it (``upstream-0.9.0-unfinished-checkpoint.yaml``) and put back on the imported node. The
pks inside that checkpoint are those of the profile that made it; this package never reads them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiida import orm

DATA = Path(__file__).resolve().parent.parent / 'data'
ARCHIVE = DATA / 'upstream-0.9.0.aiida'
UNFINISHED_CHECKPOINT = DATA / 'upstream-0.9.0-unfinished-checkpoint.yaml'
LABELS = ('upstream_finished', 'upstream_failed', 'upstream_unfinished')


@pytest.fixture(scope='session')
def upstream_graphs(aiida_profile: Any) -> dict[str, orm.WorkflowNode]:
    """Import the upstream archive into the session's profile (once) and return its three WorkGraph nodes by label.

    The unfinished graph gets back the checkpoint upstream wrote for it.
    """
    from aiida.tools.archive import import_archive

    import_archive(ARCHIVE)
    nodes = {}
    for label in LABELS:
        filters = {'label': label, 'attributes': {'has_key': 'workgraph_data'}}
        query = orm.QueryBuilder().append(orm.WorkflowNode, filters=filters)
        nodes[label] = query.one()[0]
    unfinished = nodes['upstream_unfinished']
    if unfinished.base.attributes.get(orm.ProcessNode.CHECKPOINT_KEY, None) is None:
        unfinished.set_checkpoint(UNFINISHED_CHECKPOINT.read_text(encoding='utf-8'))
    return nodes


@pytest.fixture
def upstream_checkpoint() -> str:
    """The checkpoint upstream 0.9.0 wrote for ``upstream_unfinished``."""
    return UNFINISHED_CHECKPOINT.read_text(encoding='utf-8')
