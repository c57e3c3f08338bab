"""The module paths that upstream scripts import, beyond the top level, and what they hold."""

from __future__ import annotations

import importlib
import json

import pytest
from aiida.common.log import AIIDA_LOGGER, LOG_LEVELS

import aiida_workgraph

MODULES = {
    'aiida_workgraph': [
        'WorkGraph', 'Task', 'task', 'TaskPool', 'shelljob', 'get_current_graph', 'Zone', 'If', 'Map', 'While',
        'spec', 'namespace', 'dynamic', 'select', 'meta', 'group', '__version__',
    ],
    'aiida_workgraph.utils': [
        'generate_provenance_graph', 'get_or_create_code', 'get_process_summary', 'get_parent_workgraphs',
        'create_and_pause_process',
    ],
    'aiida_workgraph.utils.logging': ['set_aiida_loglevel'],
    'aiida_workgraph.collection': ['group'],
    'aiida_workgraph.config': ['load_config'],
    'aiida_workgraph.manager': ['get_current_graph', 'set_current_graph'],
    'aiida_workgraph.enums': ['TaskState', 'TaskAction', 'TERMINAL_TASK_STATES'],
    'aiida_workgraph.engine.workgraph': ['WorkGraphEngine'],
    'aiida_workgraph.orm.workgraph': ['WorkGraphNode', 'WorkChainNode'],
    'aiida_workgraph.engine.task_actions': ['TaskActionManager'],
    'aiida_workgraph.executors.builtins': ['UnavailableExecutor'],
    'aiida_workgraph.tasks.builtins': ['GraphLevelTask', 'SetContext', 'GetContext', 'AiiDAProcessTask'],
    'aiida_workgraph.tasks.tests': ['add', 'multiply', 'BaseAddTask'],
    'aiida_workgraph.executors.test': ['add', 'add_pythonjob', 'sum_diff'],
    'aiida_workgraph.task': ['Task', 'TaskHandle'],
    'aiida_workgraph.socket': ['TaskSocket', 'TaskSocketNamespace'],
    'aiida_workgraph.sockets.builtins': ['SocketAny', 'SocketInt', 'SocketAnnotated', 'SocketFloat', 'SocketString'],
    'aiida_workgraph.socket_spec': ['namespace', 'dynamic', 'select', 'meta', 'Leaf'],
    'aiida_workgraph.registry': ['type_mapping', 'registry_hub'],
}  # fmt: skip


@pytest.mark.parametrize('module', sorted(MODULES))
def test_module_paths_import(module: str) -> None:
    """Every listed name imports from its module path."""
    loaded = importlib.import_module(module)
    missing = [name for name in MODULES[module] if not hasattr(loaded, name)]
    assert not missing, f'{module} lacks {missing}'


def test_re_exports_are_the_real_classes() -> None:
    """The thin modules hand out the same objects as the modules that define them."""
    from aiida_workgraph.engine.workgraph import WorkGraphEngine
    from aiida_workgraph.engine.workgraph_engine import WorkGraphEngine as Engine
    from aiida_workgraph.orm.workgraph import WorkGraphNode
    from aiida_workgraph.orm.workgraph_node import WorkGraphNode as Node
    from aiida_workgraph.task import Task

    assert WorkGraphEngine is Engine
    assert WorkGraphNode is Node
    assert Task is aiida_workgraph.Task
    assert aiida_workgraph.spec is aiida_workgraph.socket_spec


def test_importing_aiida_workgraph_task_keeps_the_decorator() -> None:
    """``import aiida_workgraph.task`` does not replace the ``task`` decorator on the package."""
    import aiida_workgraph.task as task_module  # noqa: F401

    assert callable(aiida_workgraph.task.pythonjob)
    from aiida_workgraph import task

    assert task is aiida_workgraph.task
    assert hasattr(task, 'calcfunction')


def test_current_graph_manager() -> None:
    """``with WorkGraph()`` sets the current graph that ``manager.get_current_graph`` returns."""
    from aiida_workgraph import WorkGraph
    from aiida_workgraph.manager import get_current_graph, set_current_graph

    with WorkGraph('current') as wg:
        assert get_current_graph() is wg
    other = WorkGraph('other')
    set_current_graph(other)
    assert get_current_graph() is other
    set_current_graph(None)


def test_load_config(tmp_path, monkeypatch) -> None:
    """``config.load_config()`` reads ``workgraph.json`` of the AiiDA config folder, ``{}`` when it is missing."""
    from aiida.manage.configuration.settings import AiiDAConfigDir

    from aiida_workgraph.config import config_path, load_config

    assert config_path().parent == AiiDAConfigDir.get()
    monkeypatch.setattr(AiiDAConfigDir, 'get', classmethod(lambda cls: tmp_path))
    assert load_config() == {}
    (tmp_path / 'workgraph.json').write_text(json.dumps({'max_number_jobs': 3}))
    assert load_config() == {'max_number_jobs': 3}
    (tmp_path / 'workgraph.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='must hold a JSON object, not a list'):
        load_config()
    (tmp_path / 'workgraph.json').write_text('{oops')
    with pytest.raises(ValueError, match='is not valid JSON'):
        load_config()


def test_set_aiida_loglevel() -> None:
    """``set_aiida_loglevel`` stores the option for the loaded profile (as upstream) and applies it to the ``aiida``
    logger; a bad level is refused."""
    from aiida.manage.configuration import get_config, get_profile

    from aiida_workgraph.utils.logging import set_aiida_loglevel

    config = get_config()
    previous = config.get_option('logging.aiida_loglevel')
    try:
        set_aiida_loglevel('debug')
        assert config.get_option('logging.aiida_loglevel', scope=get_profile().name) == 'DEBUG'
        assert config.get_profile(get_profile().name).get_option('logging.aiida_loglevel') == 'DEBUG'
        assert AIIDA_LOGGER.level == LOG_LEVELS['DEBUG']
        with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
            set_aiida_loglevel('LOUD')
        assert config.get_option('logging.aiida_loglevel', scope=get_profile().name) == 'DEBUG'
    finally:
        set_aiida_loglevel(previous)
