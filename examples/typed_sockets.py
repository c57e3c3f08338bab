"""
Typed sockets
=============

A type hint on a task function gives its socket a ``workgraph.*`` identifier, and a typed socket checks the type of
a value as soon as it is set, while the graph is being built.
"""

# %%
# Type hints become socket identifiers
# ------------------------------------
# ``int`` and ``orm.Int`` both become ``workgraph.int``; an argument without a hint is ``workgraph.any``.

from aiida import load_profile, orm

from aiida_workgraph import WorkGraph, task
from aiida_workgraph.registry import type_mapping

load_profile()


@task
def scale(x: int, factor: float = 2.0, label: str = 'scaled', extra=None) -> float:
    """Return ``x * factor``."""
    return x * factor


wg = WorkGraph('typed_sockets')
node = wg.add_task(scale, name='scale', x=3)
for name in ('x', 'factor', 'label', 'extra'):
    print(name, node.inputs[name]._identifier)
assert node.inputs.x._identifier == type_mapping[int] == type_mapping[orm.Int] == 'workgraph.int'

# %%
# A wrong type is refused while building
# --------------------------------------
# ``x: int`` takes an ``int`` or an ``Int`` node, not a float; nothing is stored when it refuses.

node.inputs.x.value = orm.Int(4)
try:
    node.inputs.x.value = 1.5
except TypeError as error:
    print(error)
else:
    raise AssertionError('a float was accepted by an int socket')

# %%
# The engine decides how a value is stored
# ----------------------------------------
# The socket only checks; when the graph runs, the ``Int`` node given above is used as it is, and the result of
# ``scale`` is stored as a ``Float``.

wg.outputs.result = node.outputs.result
outputs = wg.run()
print(outputs['result'])
assert outputs['result'].value == 8.0
