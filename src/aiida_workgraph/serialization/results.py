"""What a task function returned, spread over its declared outputs before the results are walked.

node-graph's ``parse_outputs`` turns a dataclass or a pydantic model into a ``dict`` before it looks at the outputs,
so a task with one output that returns such an object would hand the next task a ``dict``. With one declared
output, the returned object is that output's value as it is: it is stored as ``DataclassData``/``JsonableData`` and
reaches the next task as an equal object of its class.
"""

from __future__ import annotations

from typing import Any

from node_graph.socket_spec import SocketSpec


def split_results(result: Any, output_spec: SocketSpec) -> dict[str, Any] | None:
    """Return ``{output: value}`` for a task function's return value, or ``None`` if it does not match the outputs.

    - one declared output (not dynamic): a value that is not a ``dict`` or ``tuple`` is that output's value, whatever
      its type (a dataclass, a pydantic model, ``None``); a ``dict`` holding the output's name gives that key's
      value, any other ``dict`` is the value;
    - otherwise node-graph's rules: a ``dict`` by output name, a ``tuple`` by the order of the outputs, a dataclass
      or model by its fields.
    """
    from node_graph.engine.utils import parse_outputs

    fields = output_spec.fields or {}
    if len(fields) == 1 and not output_spec.dynamic and not isinstance(result, (dict, tuple)):
        return {next(iter(fields)): result}
    parsed = parse_outputs(result, output_spec)
    if isinstance(parsed, tuple):
        parsed = parsed[0]
    return parsed


__all__ = ['split_results']
