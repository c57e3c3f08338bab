"""PythonJob tasks: a Python function run as aiida-pythonjob's ``PythonJob`` CalcJob.

The function's inputs are converted to AiiDA data by the engine's single walk when the WorkGraph process is
created; :func:`pythonjob_inputs` only assembles the CalcJob's inputs around those nodes at launch.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import replace
from typing import Any

from aiida import orm
from node_graph.socket_meta import SocketMeta
from node_graph.socket_spec import SocketSpec

from ..socket_spec import ANY, NAMESPACE
from .process_ports import pythonjob_inputs as pythonjob_ports
from .process_ports import pythonjob_outputs

#: The input ports of ``PythonJob`` that a PythonJob task has as sockets, as upstream gives them; those the task
#: sets itself (:data:`ASSEMBLED_PORTS`) take the user's value when one is given.
JOB_PORTS = (
    'monitors',
    'remote_folder',
    'function_data',
    'process_label',
    'function_inputs',
    'parent_folder',
    'parent_folder_name',
    'parent_output_folder',
    'upload_files',
    'copy_files',
    'additional_retrieve_list',
)
ASSEMBLED_PORTS = ('function_data', 'process_label', 'function_inputs')
#: The output ports of ``PythonJob`` (a CalcJob's) that a PythonJob task has beside the function's outputs.
JOB_OUTPUTS = ('remote_folder', 'remote_stash', 'retrieved')
#: Inputs of a PythonJob task that configure the job instead of feeding the function.
JOB_INPUTS = ('computer', 'code', 'command_info', 'register_pickle_by_value', 'metadata', *JOB_PORTS)
DEFAULT_COMPUTER = 'localhost'


def add_job_inputs(function_inputs: SocketSpec) -> SocketSpec:
    """Return the task's input spec: the function's inputs plus the job inputs (``computer``, ``code``, ...) and the
    other input ports of ``PythonJob`` (:data:`JOB_PORTS`)."""
    plain = SocketMeta(required=False, is_metadata=True)
    fields = dict(function_inputs.fields)
    fields['computer'] = SocketSpec(ANY, default=DEFAULT_COMPUTER, meta=plain)
    fields['code'] = SocketSpec(ANY, meta=SocketMeta(required=False))
    fields['command_info'] = SocketSpec(ANY, meta=plain)
    fields['register_pickle_by_value'] = SocketSpec(ANY, default=False, meta=plain)
    fields['metadata'] = SocketSpec(NAMESPACE, meta=replace(plain, dynamic=True))
    for name, port in pythonjob_ports().items():
        if name not in fields:
            fields[name] = replace(port, meta=replace(port.meta, required=False))
    return replace(function_inputs, fields=fields)


def add_job_outputs(function_outputs: SocketSpec) -> SocketSpec:
    """Return the task's output spec: the function's outputs plus ``PythonJob``'s :data:`JOB_OUTPUTS`."""
    added = {name: port for name, port in pythonjob_outputs().items() if name not in function_outputs.fields}
    return replace(function_outputs, fields={**function_outputs.fields, **added})


def function_output_spec(task_outputs: SocketSpec) -> SocketSpec:
    """Return the spec of the function's own outputs (the task's outputs without :data:`JOB_OUTPUTS`)."""
    fields = {name: field for name, field in task_outputs.fields.items() if name not in JOB_OUTPUTS}
    return replace(task_outputs, fields=fields)


def function_input_spec(task_inputs: SocketSpec) -> SocketSpec:
    """Return the spec of the function's own inputs (the task's inputs without the job inputs)."""
    fields = {name: field for name, field in task_inputs.fields.items() if name not in JOB_INPUTS}
    fields = {name: field for name, field in fields.items() if not name.startswith('_')}
    return replace(task_inputs, fields=fields)


def engine_python_code(computer: str) -> orm.AbstractCode:
    """Return (creating it once) the code that runs the Python interpreter of this engine on ``computer``.

    Jobs then see the same packages as the engine (a virtual environment's interpreter, not the login shell's).
    """
    from aiida_pythonjob.utils import get_or_create_code

    digest = hashlib.sha1(sys.executable.encode()).hexdigest()[:10]
    return get_or_create_code(label=f'python-{digest}', computer=computer, filepath_executable=sys.executable)


def job_code(inputs: dict[str, Any]) -> orm.AbstractCode:
    """Return the code of a job: the given one, one built from ``command_info``, or the default.

    The default on ``localhost`` is this engine's interpreter; elsewhere it is ``python3``.
    """
    from aiida_pythonjob.utils import get_or_create_code

    if inputs.get('code') is not None:
        return inputs['code']
    computer = inputs.get('computer') or DEFAULT_COMPUTER
    if inputs.get('command_info'):
        return get_or_create_code(computer=computer, **inputs['command_info'])
    if computer == DEFAULT_COMPUTER:
        return engine_python_code(computer)
    return get_or_create_code(computer=computer)


def function_data(func: Any, register_pickle_by_value: bool) -> dict[str, Any]:
    """Return the ``function_data`` input of a job: the function by reference, or pickled by value.

    :raises TypeError: if the function cannot be pickled.
    """
    from aiida_pythonjob.utils import build_function_data

    return build_function_data(func, register_pickle_by_value=register_pickle_by_value)


def pythonjob_inputs(name: str, func: Any, spec_inputs: SocketSpec, spec_outputs: SocketSpec, inputs: dict) -> dict:
    """Assemble the inputs of the ``PythonJob`` CalcJob of task ``name`` from already converted nodes.

    :param inputs: the task's inputs: data nodes for the function, plain values for the job inputs.
    """
    from aiida_pythonjob.data.deserializer import all_deserializers
    from aiida_pythonjob.data.serializer import all_serializers

    metadata = dict(inputs.get('metadata') or {})
    metadata.setdefault('call_link_label', name)
    metadata.update(
        {
            'inputs_spec': function_input_spec(spec_inputs).to_dict(),
            'outputs_spec': function_output_spec(spec_outputs).to_dict(),
            'serializers': all_serializers,
            'deserializers': all_deserializers,
        }
    )
    given = {key: inputs[key] for key in JOB_PORTS if inputs.get(key) not in (None, {})}
    return {
        **given,
        'function_data': given.get('function_data')
        or function_data(func, bool(inputs.get('register_pickle_by_value'))),
        'function_inputs': {
            **(given.get('function_inputs') or {}),
            **_spread_var_kwargs(spec_inputs, {key: value for key, value in inputs.items() if key not in JOB_INPUTS}),
        },
        'code': job_code(inputs),
        'metadata': metadata,
        'process_label': given.get('process_label') or f'PythonJob<{name}>',
    }


def _spread_var_kwargs(spec_inputs: SocketSpec, function_inputs: dict[str, Any]) -> dict[str, Any]:
    """The function's inputs with its ``**kwargs`` namespace spread: each item is a keyword argument of its own."""
    spread = dict(function_inputs)
    for name, field in spec_inputs.fields.items():
        if field.meta.call_role == 'var_kwargs':
            spread.update(spread.pop(name, None) or {})
    return spread
