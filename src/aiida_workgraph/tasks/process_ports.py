"""The input and output ports of aiida-pythonjob's ``PyFunction`` and ``PythonJob`` as socket specs, built without
importing aiida-pythonjob.

Plain ``@task`` and ``@task.pythonjob`` tasks have these ports as sockets beside their function's, as upstream gives
them. Tasks are made when a module is imported (``@task`` on a module-level function), and aiida-pythonjob reads the
AiiDA configuration when it is imported, so the ports are written out here from aiida-core's process specs (the
``metadata`` of a process function, the ports of a ``CalcJob``) and the few ports aiida-pythonjob adds.
``tests/public_api/test_api_process_ports.py`` checks that they match aiida-pythonjob's.
"""

from __future__ import annotations

from functools import lru_cache

from node_graph.socket_meta import SocketMeta
from node_graph.socket_spec import SocketSpec

from ..socket_spec import ANY, NAMESPACE
from .process_spec import port_to_spec

#: The ``metadata`` ports aiida-pythonjob adds to the process's (plain values: the specs and serializers).
_PYTHON_METADATA = ('inputs_spec', 'outputs_spec', 'deserializers', 'serializers')
#: The input ports of ``PythonJob`` besides a ``CalcJob``'s, with whether each is a namespace of data.
_PYTHONJOB_ONLY = {
    'parent_folder': False,
    'parent_folder_name': False,
    'parent_output_folder': False,
    'upload_files': True,
    'copy_files': True,
    'additional_retrieve_list': False,
}


def _optional(*, namespace: bool = False) -> SocketSpec:
    if namespace:
        item = SocketSpec(ANY, meta=SocketMeta(required=False))
        return SocketSpec(NAMESPACE, item=item, meta=SocketMeta(required=False, dynamic=True, call_role='kwargs'))
    return SocketSpec(ANY, meta=SocketMeta(required=False, call_role='kwargs'))


def _function_ports() -> dict[str, SocketSpec]:
    """``function_data``, ``process_label`` and ``function_inputs``: the ports both processes share."""
    return {
        'function_data': SocketSpec(
            NAMESPACE, meta=SocketMeta(required=True, dynamic=True, call_role='kwargs', help='The function data.')
        ),
        'process_label': _optional(),
        'function_inputs': _optional(namespace=True),
    }


def _with_python_metadata(metadata: SocketSpec) -> SocketSpec:
    plain = SocketMeta(required=False, is_metadata=True, call_role='kwargs')
    fields = {**metadata.fields, **{name: SocketSpec(ANY, meta=plain) for name in _PYTHON_METADATA}}
    return SocketSpec(metadata.identifier, fields=fields, item=metadata.item, meta=metadata.meta)


@lru_cache(maxsize=1)
def pyfunction_inputs() -> dict[str, SocketSpec]:
    """The input ports of ``PyFunction``: ``metadata``, ``function_data``, ``process_label``, ``function_inputs``."""
    from aiida.engine.processes.functions import FunctionProcess

    metadata = port_to_spec(FunctionProcess.spec().inputs['metadata'], is_input=True)
    return {'metadata': _with_python_metadata(metadata), **_function_ports()}


@lru_cache(maxsize=1)
def pythonjob_inputs() -> dict[str, SocketSpec]:
    """The input ports of ``PythonJob`` but ``metadata`` and ``code``: a ``CalcJob``'s ``monitors`` and
    ``remote_folder``, the function's ports and the folders and files of the job."""
    from aiida.engine import CalcJob

    ports = CalcJob.spec().inputs
    calcjob = {name: port_to_spec(ports[name], is_input=True) for name in ('monitors', 'remote_folder')}
    own = {name: _optional(namespace=namespace) for name, namespace in _PYTHONJOB_ONLY.items()}
    return {**calcjob, **_function_ports(), **own}


@lru_cache(maxsize=1)
def pythonjob_outputs() -> dict[str, SocketSpec]:
    """The output ports of ``PythonJob`` that every job has: a ``CalcJob``'s ``remote_folder``, ``remote_stash``
    and ``retrieved``."""
    from aiida.engine import CalcJob

    ports = CalcJob.spec().outputs
    return {name: port_to_spec(ports[name], is_input=False) for name in ('remote_folder', 'remote_stash', 'retrieved')}


__all__ = ['pyfunction_inputs', 'pythonjob_inputs', 'pythonjob_outputs']
