"""``shelljob(...)``: add a shell command, run by aiida-shell's ``ShellJob``, to the graph being built."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from node_graph.socket_spec import SocketSpec

from ..socket_spec import WorkGraphSocketSpecAPI


def shelljob(
    *,
    command: Any,
    arguments: list[str] | str | None = None,
    nodes: dict[str, Any] | None = None,
    filenames: dict[str, str] | None = None,
    outputs: list[str] | None = None,
    parser: Callable[..., Any] | str | None = None,
    parser_outputs: SocketSpec | list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    resolve_command: bool = True,
) -> Any:
    """Add a ``ShellJob`` task to the active graph (``with WorkGraph() as wg:``; outside one, to the current graph
    :func:`~aiida_workgraph.get_current_graph` gives, as any task call) and return its outputs.

    :param command: the executable (``'echo'``, ``'/bin/bash'``) or an AiiDA code. Its code on the computer is
        loaded, or created by aiida-shell, when the task launches.
    :param arguments: the command's arguments; ``{name}`` placeholders are replaced by the ``nodes`` of that name
        (their value, or the name of the file written for a file node).
    :param nodes: AiiDA nodes (or values, converted like any input; a ``pathlib.Path`` becomes a file node) the
        arguments refer to, and which are written to the job's folder.
    :param filenames: the file names to write ``nodes`` as.
    :param outputs: names of files the job writes, each becoming an output (``out.txt`` -> ``out_txt``).
    :param parser: ``parser(dirpath)`` returning a dict of AiiDA nodes, the job's extra outputs.
    :param parser_outputs: the names (or a socket spec) of what ``parser`` returns.
    :param metadata: the ``ShellJob``'s metadata: ``options`` and ``computer`` (a ``Computer`` or its label;
        ``localhost`` if not given); ``call_link_label`` names the task.
    :param resolve_command: find the command's absolute path on the computer (``which``) when its code is created.
    :return: the task's output sockets: ``stdout``, ``stderr``, the file outputs, the parser's outputs and the
        ``CalcJob`` outputs (``retrieved``, ``remote_folder``).
    :raises TypeError: if ``command`` is neither a string nor a code.
    """
    handle, inputs = shelljob_task(
        command=command,
        arguments=arguments,
        nodes=nodes,
        filenames=filenames,
        outputs=outputs,
        parser=parser,
        parser_outputs=parser_outputs,
        metadata=metadata,
        resolve_command=resolve_command,
    )
    return handle(**inputs)


def shelljob_task(
    *,
    command: Any,
    arguments: list[str] | str | None = None,
    nodes: dict[str, Any] | None = None,
    filenames: dict[str, str] | None = None,
    outputs: list[str] | None = None,
    parser: Callable[..., Any] | str | None = None,
    parser_outputs: SocketSpec | list[str] | None = None,
    metadata: dict[str, Any] | None = None,
    resolve_command: bool = True,
) -> tuple[Any, dict[str, Any]]:
    """The task handle of a ``ShellJob`` with the sockets these arguments need, and its inputs.

    ``wg.add_task(shelljob, name=..., command=..., ...)`` adds it with the arguments of :func:`shelljob`.

    :raises TypeError: if ``command`` is neither a string nor a code.
    """
    from aiida import orm

    from ..tasks.kinds.shelljob import ShellJobKind, output_label, shelljob_class
    from .decorator import build_handle

    if isinstance(command, orm.Str):  # an input of a graph task, which its function receives as a node
        command = command.value
    if not isinstance(command, (str, orm.AbstractCode)):
        raise TypeError(f'shelljob: `command` must be a string or an AiiDA code, got {type(command).__name__}')
    extra = WorkGraphSocketSpecAPI.namespace(**{output_label(name): Any for name in outputs or []})
    if parser_outputs is not None:
        declared = WorkGraphSocketSpecAPI.validate_socket_data(parser_outputs)
        extra = replace(extra, fields={**extra.fields, **declared.fields})
    handle = build_handle(shelljob_class(), identifier='ShellJob', outputs=extra, kind=ShellJobKind.name)
    metadata = dict(metadata or {})
    if isinstance(metadata.get('computer'), orm.Computer):
        metadata['computer'] = metadata['computer'].label
    inputs: dict[str, Any] = {
        'arguments': arguments,
        'nodes': {key: _file_node(value) for key, value in (nodes or {}).items()} or None,
        'filenames': filenames,
        'outputs': outputs,
        'parser': parser,
        'metadata': metadata or None,
        'resolve_command': resolve_command,
    }
    if isinstance(command, str):
        inputs['command'] = command
    else:
        inputs['code'] = command
    return handle, {key: value for key, value in inputs.items() if value is not None}


def _file_node(value: Any) -> Any:
    """A ``pathlib.Path`` as a ``SinglefileData`` (as aiida-shell does); anything else as it is."""
    if isinstance(value, pathlib.Path):
        from aiida_shell.launch import convert_nodes_single_file_data

        return convert_nodes_single_file_data({'file': value})['file']
    return value


__all__ = ['shelljob', 'shelljob_task']
