"""
Graph inputs, outputs and context
=================================

A graph declares its own inputs with ``spec.namespace``, given when it runs; ``wg.ctx`` holds values that tasks
read and write; ``a >> b`` makes ``b`` wait for ``a`` without passing a value.
"""

# %%
# Build the graph
# ---------------

from aiida import load_profile

from aiida_workgraph import WorkGraph, spec, task

load_profile()


@task
def add(x: int, y: int) -> int:
    """Return ``x + y``."""
    return x + y


@task
def announce() -> str:
    """Return a message; it runs after ``first`` because of ``>>``, not because of data."""
    return 'first is done'


wg = WorkGraph('graph_inputs_and_context', inputs=spec.namespace(x=int, y=int))
wg.ctx = {'offset': 100}
first = wg.add_task(add, name='first', x=wg.inputs.x, y=wg.inputs.y)
wg.ctx.partial = first.outputs.result
second = wg.add_task(add, name='second', x=wg.ctx.partial, y=wg.ctx.offset)
note = wg.add_task(announce, name='note')
first >> note
wg.outputs.total = second.outputs.result
wg.outputs.note = note.outputs.result

# %%
# Run it with the graph inputs
# ----------------------------

outputs = wg.run(inputs={'x': 1, 'y': 2})
print('total:', outputs['total'].value, '-', outputs['note'].value)
assert outputs['total'].value == 103
