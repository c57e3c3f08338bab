"""``shelljob`` tasks: a shell command run by aiida-shell's ``ShellJob`` CalcJob.

The task's inputs are ``ShellJob``'s ports (``arguments``, ``nodes``, ``filenames``, ``outputs``, ``parser``,
``metadata``, ``code``) plus two plain inputs of the adapter: ``command`` (the executable's name or path) and
``resolve_command``. When the task launches, the code for ``command`` on the computer (``metadata.computer``, a
computer label, or ``localhost``) is loaded, or created by aiida-shell's ``prepare_code``, and the ``ShellJob`` is
submitted as a child of the engine. Its outputs are ``stdout``, ``stderr``, one per file named in ``outputs``
(``out.txt`` becomes ``out_txt``, as aiida-shell's parser names it) and those the ``parser`` returns.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiida import orm
from node_graph.socket_meta import SocketMeta
from node_graph.socket_spec import SocketSpec

from ...serialization.schema import NAMESPACE, PLAIN_LEAF, Slot, port_slot
from ...socket_spec import ANY
from ..process_spec import process_specs
from .base import Launcher, ProcessPortsKind, TaskView, with_call_link_label, with_declared_sockets

#: The plain inputs of the adapter, besides ``ShellJob``'s ports.
ADAPTER_INPUTS = ('command', 'resolve_command')
#: Outputs every ``ShellJob`` may have besides the CalcJob ones.
DEFAULT_OUTPUTS = ('stdout', 'stderr')


def shelljob_class() -> Any:
    """aiida-shell's ``ShellJob``."""
    from aiida_shell import ShellJob

    return ShellJob


def output_label(filename: str) -> str:
    """The output name aiida-shell gives the file ``filename`` (``out.txt`` -> ``out_txt``)."""
    from aiida_shell.parsers.shell import ShellParser

    return ShellParser.format_link_label(filename)


class ShellJobKind(ProcessPortsKind):
    """A shell command run as aiida-shell's ``ShellJob``; asked for explicitly (``shelljob(...)``)."""

    name = 'SHELLJOB'

    def build_specs(self, obj: Any, inputs: Any, outputs: Any) -> tuple[SocketSpec, SocketSpec]:
        """``ShellJob``'s ports plus ``command`` and ``resolve_command``, ``stdout`` and ``stderr``, and the declared
        ``inputs``/``outputs`` that are not ports (see :func:`~.base.with_declared_sockets`).

        :param obj: ``ShellJob`` (the class the task runs).
        :param inputs: a namespace spec of inputs to add to ``ShellJob``'s (for its dynamic ``nodes`` namespace, say).
        :param outputs: a namespace spec of the outputs (file outputs and parser outputs) to add to ``ShellJob``'s.
        """
        in_spec, out_spec = process_specs(obj)
        plain = SocketSpec(ANY, meta=SocketMeta(required=False, is_metadata=True))
        in_fields = {**in_spec.fields, **{name: plain for name in ADAPTER_INPUTS}}
        in_fields['code'] = replace(in_fields['code'], meta=replace(in_fields['code'].meta, required=False))
        optional = SocketSpec(ANY, meta=SocketMeta(required=False))
        added = {**{name: optional for name in DEFAULT_OUTPUTS}, **(outputs.fields if outputs else {})}
        return (
            with_declared_sockets(replace(in_spec, fields=in_fields), inputs),
            with_declared_sockets(out_spec, replace(out_spec, fields=added)),
        )

    def process_class(self, task: TaskView) -> Any:
        """aiida-shell's ``ShellJob``."""
        return shelljob_class()

    def input_slot(self, task: TaskView) -> Slot:
        """``ShellJob``'s ports (with their serializers), and ``command``/``resolve_command`` as plain values."""
        ports = port_slot(shelljob_class().spec().inputs)

        def child(key: str) -> Slot:
            return PLAIN_LEAF if key in ADAPTER_INPUTS else ports.child(key)

        return Slot(NAMESPACE, child, port=True)

    def required_inputs(self, task: TaskView) -> list[str]:
        """None: ``code`` is made from ``command`` when the task launches."""
        return []

    def launch(self, launcher: Launcher, task: TaskView, inputs: dict[str, Any]) -> orm.ProcessNode:
        """Load or create the code of ``command`` and submit the ``ShellJob``.

        :raises ValueError: if the task has neither ``command`` nor ``code``, or aiida-shell cannot find the command
            on the computer.
        :raises aiida.common.exceptions.NotExistent: if ``metadata.computer`` names no computer.
        """
        from aiida_shell.launch import prepare_code

        inputs = dict(inputs)
        command = inputs.pop('command', None)
        if isinstance(command, orm.Str):  # linked from a graph input or a task result
            command = command.value
        resolve = inputs.pop('resolve_command', True)
        metadata = dict(inputs.get('metadata') or {})
        computer = metadata.pop('computer', None)
        if isinstance(computer, str):
            computer = orm.load_computer(computer)
        if inputs.get('code') is None:
            if not command:
                raise ValueError(f'shelljob {task.name}: give a `command` (or a `code`) to run')
            inputs['code'] = prepare_code(command, computer, resolve)
        elif computer is not None:
            metadata['computer'] = computer
        inputs['metadata'] = metadata
        return launcher.submit(shelljob_class(), **with_call_link_label(inputs, task.name))


__all__ = ['ADAPTER_INPUTS', 'ShellJobKind', 'output_label', 'shelljob_class']
