"""Helpers that users' scripts import from ``aiida_workgraph.utils``.

``generate_provenance_graph`` draws the provenance of a process with aiida-core's graph tools and graphviz,
``get_process_summary`` lists its inputs and outputs, ``get_parent_workgraphs`` names the WorkGraphs it runs in,
``get_processes_latest`` gives the state and process of each task (what the WorkGraph web GUI polls),
``get_or_create_code`` makes an ``InstalledCode`` on a computer once, and ``create_and_pause_process`` creates a
process that waits paused until it is played.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

from aiida import orm
from aiida.common.links import LinkType

PROVENANCE_FOLDER = 'html'
SUMMARY_SECTIONS = {'inputs': 'Inputs', 'outputs': 'Outputs'}


def _process_node(node: orm.ProcessNode | int | str) -> orm.ProcessNode:
    """Load a process node by pk or UUID (a node is returned as it is).

    :raises TypeError: if the node is not a process.
    """
    loaded = node if isinstance(node, orm.Node) else orm.load_node(node)
    if not isinstance(loaded, orm.ProcessNode):
        raise TypeError(f'node <{loaded.pk}> is a {type(loaded).__name__}, not a process')
    return loaded


def get_process_summary(node: orm.ProcessNode | int, data: list[str] | tuple[str, ...] = ('outputs',)) -> str:
    """Return a table of a process's inputs and/or outputs (nested namespaces indented), with their pk and type.

    :param data: which sections, in order: ``'inputs'``, ``'outputs'``.
    :raises ValueError: if a section is not ``'inputs'`` or ``'outputs'``.
    """
    from aiida.cmdline.utils.common import format_nested_links

    process = _process_node(node)
    unknown = [section for section in data if section not in SUMMARY_SECTIONS]
    if unknown:
        raise ValueError(f'unknown sections {unknown}: expected some of {list(SUMMARY_SECTIONS)}')
    summary = ''
    for section in data:
        if section == 'inputs':
            links = process.base.links.get_incoming(link_type=(LinkType.INPUT_CALC, LinkType.INPUT_WORK))
        else:
            links = process.base.links.get_outgoing(link_type=(LinkType.CREATE, LinkType.RETURN))
        summary += '\n' + format_nested_links(links.nested(), headers=[SUMMARY_SECTIONS[section], 'PK', 'Type'])
    return summary


def get_parent_workgraphs(pk: int) -> list[list[Any]]:
    """Return ``[[process_label, pk], ...]`` for a process and every workflow above it, innermost first (as upstream).

    The list starts with the process itself and follows its incoming ``CALL_WORK`` links up to the top-level workflow:
    for a sub-graph, its WorkGraph and every WorkGraph it is nested in. A process called by a ``CALL_CALC`` link (a
    task's calculation) has only itself in the list.

    :raises TypeError: if ``pk`` is not a process.
    """
    from aiida.common.links import LinkType

    node = _process_node(pk)
    chain = [[node.process_label, node.pk]]
    while True:
        callers = node.base.links.get_incoming(link_type=LinkType.CALL_WORK).all()
        if not callers:
            return chain
        node = callers[0].node
        chain.append([node.process_label, node.pk])


def get_processes_latest(
    pk: int | str | orm.ProcessNode, task_name: str | None = None, item_type: str = 'task'
) -> dict[str, dict[str, Any]]:
    """Return the latest state and process of each task of a WorkGraph, as the WorkGraph web GUI polls it.

    With ``item_type='task'``: ``{task: {'pk', 'process_type', 'state', 'ctime', 'mtime'}}`` for every task of the
    graph and every task instance of its maps (``state`` the task state; ``pk`` ``None`` for a task without a
    process); with ``task_name``, that task only. With ``item_type='called_process'``: ``{'<link label>-<pk>': ...}``
    for every process the WorkGraph called (``state`` the process state, lower case). Cheap for big graphs: the node's
    task records and one query (see :func:`aiida_workgraph.orm.gui_view.get_processes_latest`).

    :raises KeyError: if ``task_name`` is not a task of the graph.
    :raises ValueError: if ``item_type`` is neither ``'task'`` nor ``'called_process'``.
    """
    from ..orm.gui_view import get_processes_latest as processes_latest

    return processes_latest(pk, task_name=task_name, item_type=item_type)


def get_or_create_code(
    computer: str = 'localhost', code_label: str = 'python3', code_path: str | None = None, prepend_text: str = ''
) -> orm.InstalledCode:
    """Return the code ``<code_label>@<computer>``, creating it if it does not exist.

    :param code_path: the executable; by default ``code_label`` as found on this machine's ``PATH`` (or the bare
        ``code_label`` when it is not found, to be resolved on the computer).
    :raises aiida.common.exceptions.NotExistent: if the computer does not exist.
    """
    from aiida.common.exceptions import NotExistent

    computer_node = orm.load_computer(computer)
    try:
        return orm.load_code(f'{code_label}@{computer_node.label}')
    except NotExistent:
        pass
    code = orm.InstalledCode(
        computer=computer_node,
        filepath_executable=code_path or shutil.which(code_label) or code_label,
        label=code_label,
        default_calc_job_plugin=None,
        prepend_text=prepend_text,
    )
    return code.store()


def provenance_graph(pk: int) -> Any:
    """Return the provenance of a process as an aiida-core ``Graph`` (ancestors and descendants, all link types).

    :raises TypeError: if the node is not a process.
    """
    from aiida.tools.visualization import Graph

    node = _process_node(pk)
    graph = Graph()
    graph.recurse_ancestors(node, annotate_links='both')
    graph.recurse_descendants(node, annotate_links='both')
    return graph


def provenance_svg(pk: int) -> str:
    """Return the provenance graph of a process drawn as SVG by graphviz's ``dot``.

    :raises RuntimeError: if the graphviz executable ``dot`` is not on the ``PATH``, saying how to install it.
    """
    from graphviz.backend.execute import ExecutableNotFound

    digraph = provenance_graph(pk).graphviz
    try:
        return digraph.pipe(format='svg', encoding='utf-8')
    except ExecutableNotFound as exception:
        raise RuntimeError(
            'drawing the provenance graph needs the graphviz program `dot`, which is not on the PATH; install '
            'graphviz (e.g. `apt-get install graphviz`, `conda install graphviz` or `brew install graphviz`)'
        ) from exception


def generate_provenance_graph(pk: int, output: str | None = None, width: str = '100%', height: str = '600px') -> Any:
    """Draw the provenance graph of a process into an HTML file and return an ``IFrame`` that shows it.

    :param output: the HTML file; by default ``html/node_graph_<pk>.html`` in the working directory.
    :param width: the width of the drawing and of the frame.
    :param height: the height of the drawing and of the frame.
    :raises RuntimeError: if the graphviz executable ``dot`` is not on the ``PATH``.
    """
    from IPython.display import IFrame

    node = _process_node(pk)
    svg = provenance_svg(node.pk)
    path = Path(output) if output else Path(PROVENANCE_FOLDER) / f'node_graph_{node.pk}.html'
    path.parent.mkdir(parents=True, exist_ok=True)
    title = html.escape(f'Provenance of {node.process_label} <{node.pk}>')
    path.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="UTF-8">\n'
        f'<title>{title}</title>\n<style>svg {{ width: {width}; height: {height}; }}</style>\n'
        f'</head>\n<body>\n{svg}\n</body>\n</html>\n',
        encoding='utf-8',
    )
    return IFrame(src=str(path), width=width, height=height)


def create_and_pause_process(
    runner: Any = None, process_class: Any = None, inputs: dict | None = None, state_msg: str = ''
) -> Any:
    """Create a process of ``process_class`` with ``inputs``, pause it and save its checkpoint, without running it.

    A daemon that picks the process up keeps it paused until it is played (``verdi process play``).

    :param runner: the runner to create it in; by default a new runner without a broker.
    :param state_msg: the message stored with the paused state.
    :raises ValueError: if ``process_class`` is not given.
    """
    from aiida.manage import get_manager

    if process_class is None:
        raise ValueError('create_and_pause_process() needs a process_class')
    runner = runner or get_manager().create_runner(communicator=None)
    process = runner.instantiate_process(process_class, **(inputs or {}))
    process.pause(msg_text=state_msg)
    runner.persister.save_checkpoint(process)
    process.close()
    return process


__all__ = [
    'create_and_pause_process',
    'generate_provenance_graph',
    'get_or_create_code',
    'get_parent_workgraphs',
    'get_processes_latest',
    'get_process_summary',
    'provenance_graph',
    'provenance_svg',
]
