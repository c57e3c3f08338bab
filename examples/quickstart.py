"""
Quick start
===========

Decorate Python functions with ``@task``, call them inside ``with WorkGraph() as wg:`` to build a graph, and run
it: each task runs as an AiiDA process, and every value it receives or returns is stored with its provenance.
"""

# %%
# Tasks and a graph
# -----------------
# Calling a task inside the ``with`` block adds it to the graph and returns its outputs; passing an output to
# another task links the two.

from aiida import load_profile

from aiida_workgraph import WorkGraph, task

load_profile()


@task
def add(x: int, y: int) -> int:
    """Return ``x + y``."""
    return x + y


@task
def multiply(x: int, y: int) -> int:
    """Return ``x * y``."""
    return x * y


with WorkGraph('quickstart') as wg:
    total = add(x=2, y=3).result
    wg.outputs.product = multiply(x=total, y=4).result

# %%
# Run it
# ------
# ``run()`` runs the graph in this interpreter (no daemon needed) and returns the graph outputs as AiiDA nodes.

outputs = wg.run()
print('product:', outputs['product'].value)
for name in ('add', 'multiply'):
    print(name, wg.tasks[name].state, wg.tasks[name].outputs.result.value.value)
assert outputs['product'].value == 20
