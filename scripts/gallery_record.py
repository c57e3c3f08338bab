"""Record what one gallery script did to the profile: the final state of every WorkGraph process it made.

Run by ``scripts/run_upstream_gallery.sh`` with the interpreter of the package under test (this package or upstream
aiida-workgraph 0.9.0), so it uses aiida-core's API only, never the package's:

    python scripts/gallery_record.py mark
        prints the largest node pk of the default profile (0 if it has no node): the script's processes come after it.
    python scripts/gallery_record.py record --after PK --script NAME --status N --seconds S --stderr FILE
                                            --wait SECONDS --out JSON
        waits (at most --wait seconds) until every WorkGraph process made after node PK is terminated (a daemon
        worker may still run those the script submitted), then adds the script's entry to the JSON file (made if
        missing): its exit status, run time, last error line, and per WorkGraph process (in pk order) its label,
        process state, exit status and message, the state of each of its tasks (the node's ``task_states``
        attribute, which both packages write, without upstream's graph-level tasks) and the value of each graph
        output (its outgoing RETURN links; nested namespaces as ``a__b``).

Values are written so that two runs compare equal when the packages agree: a pk or uuid is never written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

#: Tasks that upstream 0.9.0 keeps in ``task_states`` for the graph itself, not for a task of the graph.
GRAPH_LEVEL_TASKS = ('graph_inputs', 'graph_outputs', 'graph_ctx')
#: The process type of a WorkGraph process (the entry point both packages register).
WORKGRAPH_PROCESS_TYPE = 'aiida.workflows:workgraph.engine'


def _load_profile() -> None:
    import warnings

    warnings.simplefilter('ignore')
    from aiida import load_profile

    load_profile()


def largest_pk() -> int:
    """Return the largest node pk of the loaded profile, 0 if it holds no node."""
    from aiida import orm

    rows = orm.QueryBuilder().append(orm.Node, project='id').order_by({orm.Node: {'id': 'desc'}}).first()
    return int(rows[0]) if rows else 0


def workgraph_processes(after: int) -> list[Any]:
    """Return the WorkGraph process nodes with a pk larger than ``after``, in pk order."""
    from aiida import orm

    query = orm.QueryBuilder().append(
        orm.WorkflowNode,
        filters={'id': {'>': after}, 'process_type': WORKGRAPH_PROCESS_TYPE},
        project='*',
    )
    return sorted((row[0] for row in query.all()), key=lambda node: node.pk)


def _plain(value: Any) -> Any:
    """Return ``value`` as JSON: floats rounded to 10 significant digits, arrays as lists, other objects as text."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return float(f'{value:.10g}') if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in sorted(value.items(), key=lambda pair: str(pair[0]))}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, 'tolist'):
        return _plain(value.tolist())
    return f'<{type(value).__name__}>'


def node_value(node: Any) -> dict[str, Any]:
    """Return ``{'type': class name, 'value': ...}`` for a data node (no pk or uuid in it)."""
    from aiida import orm

    kind = type(node).__name__
    try:
        if isinstance(node, orm.Dict):
            value = node.get_dict()
        elif isinstance(node, orm.List):
            value = node.get_list()
        elif isinstance(node, orm.StructureData):
            value = {'formula': node.get_formula(), 'sites': len(node.sites)}
        elif isinstance(node, orm.ArrayData):
            value = {name: node.get_array(name) for name in sorted(node.get_arraynames())}
        elif isinstance(node, orm.SinglefileData):
            value = {'filename': node.filename, 'content': node.get_content()[:2000]}
        elif isinstance(node, orm.FolderData):
            value = sorted(node.base.repository.list_object_names())
        elif isinstance(node, (orm.RemoteData, orm.AbstractCode)):
            value = None
        elif hasattr(node, 'value'):
            value = node.value
        else:
            value = None
    except Exception as exception:  # a value that cannot be read back is a result too
        value = f'<unreadable: {type(exception).__name__}: {exception}>'
    return {'type': kind, 'value': _plain(value)}


def process_record(node: Any) -> dict[str, Any]:
    """Return the final state of one WorkGraph process node."""
    from aiida.common.links import LinkType

    states = node.base.attributes.get('task_states', {}) or {}
    outputs = {
        link.link_label: node_value(link.node) for link in node.base.links.get_outgoing(link_type=LinkType.RETURN).all()
    }
    return {
        'label': node.process_label,
        'process_state': node.process_state.value if node.process_state else None,
        'exit_status': node.exit_status,
        'exit_message': node.exit_message,
        'tasks': {name: state for name, state in sorted(states.items()) if name not in GRAPH_LEVEL_TASKS},
        'outputs': dict(sorted(outputs.items())),
    }


def last_error_line(stderr: Path) -> str | None:
    """Return the last line of a traceback's exception in ``stderr`` (or its last line), ``None`` if it is empty."""
    if not stderr.is_file():
        return None
    lines = [line.rstrip() for line in stderr.read_text(errors='replace').splitlines() if line.strip()]
    if not lines:
        return None
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].startswith('Traceback'):
            tail = [line for line in lines[index + 1 :] if not line.startswith(' ')]
            return tail[-1] if tail else lines[-1]
    return lines[-1]


def record(arguments: argparse.Namespace) -> None:
    """Wait for the script's WorkGraph processes to terminate and add the script's entry to the JSON file."""
    deadline = time.monotonic() + arguments.wait
    while True:
        nodes = workgraph_processes(arguments.after)
        if all(node.is_terminated for node in nodes) or time.monotonic() > deadline:
            break
        time.sleep(1)
    out = Path(arguments.out)
    results = json.loads(out.read_text()) if out.is_file() else {}
    results[arguments.script] = {
        'exit_status': arguments.status,
        'seconds': arguments.seconds,
        'timed_out': arguments.status == 124,
        'error': last_error_line(Path(arguments.stderr)) if arguments.status else None,
        'workgraphs': [process_record(node) for node in nodes],
    }
    out.write_text(json.dumps(dict(sorted(results.items())), indent=2) + '\n')


def main(argv: list[str]) -> int:
    """Parse the command line and run ``mark`` or ``record``."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('mark', help='print the largest node pk')
    recorder = commands.add_parser('record', help="add one script's entry to the JSON file")
    recorder.add_argument('--after', type=int, required=True)
    recorder.add_argument('--script', required=True)
    recorder.add_argument('--status', type=int, required=True)
    recorder.add_argument('--seconds', type=float, required=True)
    recorder.add_argument('--stderr', required=True)
    recorder.add_argument('--wait', type=float, default=60.0)
    recorder.add_argument('--out', required=True)
    arguments = parser.parse_args(argv)
    _load_profile()
    if arguments.command == 'mark':
        print(largest_pk())
    else:
        record(arguments)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
