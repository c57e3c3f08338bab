"""What a task function returned, spread over its declared outputs before the results are walked.

node-graph's ``parse_outputs`` turns a dataclass or a pydantic model into a ``dict`` before it looks at the outputs,
so a task with one output that returns such an object would hand the next task a ``dict``. With one declared
output, the returned object is that output's value as it is: it is stored as ``DataclassData``/``JsonableData`` and
reaches the next task as an equal object of its class. The parser of PythonJob tasks
(:mod:`aiida_workgraph.tasks.pythonjob_parser`) asks :func:`whole_output` the same question.
"""

from __future__ import annotations

from typing import Any

from node_graph.socket_spec import SocketSpec


def whole_output(result: Any, output_spec: SocketSpec) -> str | None:
    """Return the name of the output that takes ``result`` as it is, or ``None`` if it is spread over the outputs.

    That is the one declared output (not dynamic) when ``result`` is not a ``dict`` or ``tuple``, whatever its type (a
    dataclass, a pydantic model, ``None``), except for a dataclass or model whose fields are the outputs (a return
    annotation of its class declares them) or whose output is a namespace: those are spread by field.
    """
    fields = output_spec.fields or {}
    if len(fields) != 1 or output_spec.dynamic or isinstance(result, (dict, tuple)):
        return None
    name, field = next(iter(fields.items()))
    if _structured_fields(result) is not None and (field.is_namespace() or _structured_fields(result) == [name]):
        return None
    return name


def _structured_fields(value: Any) -> list[str] | None:
    """The field names of a dataclass instance or a pydantic model, ``None`` for any other value."""
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [field.name for field in dataclasses.fields(value)]
    model_fields = getattr(type(value), 'model_fields', None)
    if isinstance(model_fields, dict) and hasattr(value, 'model_dump'):
        return list(model_fields)
    return None


def split_results(result: Any, output_spec: SocketSpec) -> dict[str, Any] | None:
    """Return ``{output: value}`` for a task function's return value, or ``None`` if it does not match the outputs.

    - one declared output (not dynamic): a value that is not a ``dict`` or ``tuple`` is that output's value, whatever
      its type (a dataclass, a pydantic model, ``None``; see :func:`whole_output`); a ``dict`` holding the output's
      name gives that key's value, any other ``dict`` is the value;
    - otherwise node-graph's rules: a ``dict`` by output name, a ``tuple`` by the order of the outputs, a dataclass
      or model by its fields.
    """
    from node_graph.engine.utils import parse_outputs

    name = whole_output(result, output_spec)
    if name is not None:
        return {name: result}
    parsed = parse_outputs(result, output_spec)
    if isinstance(parsed, tuple):
        parsed = parsed[0]
    return parsed


__all__ = ['split_results', 'whole_output']
