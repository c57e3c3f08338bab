"""
Graph tasks
===========

``@task.graph`` turns a function whose body calls tasks into a *graph task*. When it runs, the function is called
with the task's inputs (AiiDA nodes) to build a graph, which runs as a child WorkGraph process: its node has the
process label ``WorkGraph<function name>`` and is linked to the calling graph by a CALL link named after the task.
What the function returns (task sockets) becomes the outputs of the graph task.
"""

# %%
# A graph task with one output
# ----------------------------
# The function returns one socket: it becomes the output ``result``.

from typing import Any

from aiida import load_profile, orm
from aiida.common.links import LinkType

from aiida_workgraph import WorkGraph, spec, task

load_profile()


@task
def add(x, y):
    """Return ``x + y``."""
    return x + y


@task
def multiply(x, y):
    """Return ``x * y``."""
    return x * y


@task.graph
def add_multiply(x, y, z):
    """``(x + y) * z``, as a graph of two tasks."""
    return multiply(x=add(x=x, y=y).result, y=z).result


with WorkGraph('graph_task_example') as wg:
    wg.outputs.total = add(x=add_multiply(x=1, y=2, z=3).result, y=4).result

outputs = wg.run()
print('total:', outputs['total'].value)
assert outputs['total'].value == (1 + 2) * 3 + 4

child = wg.tasks['add_multiply'].process
print('child process:', child.process_label, child.pk)
assert child.process_label == 'WorkGraph<add_multiply>'
call = wg.process.base.links.get_outgoing(link_type=LinkType.CALL_WORK).one()
assert (call.link_label, call.node.pk) == ('add_multiply', child.pk)

# %%
# Several outputs and namespaces
# ------------------------------
# Declare the outputs and return a dict of sockets (nested dicts fill nested namespaces).


@task.graph(outputs=spec.namespace(total=Any, parts=spec.namespace(double=Any, square=Any)))
def double_and_square(x):
    """``2x``, ``x * x`` and their sum."""
    double = add(x=x, y=x).result
    square = multiply(x=x, y=x).result
    return {'total': add(x=double, y=square).result, 'parts': {'double': double, 'square': square}}


wg = WorkGraph('graph_task_namespaces')
node = wg.add_task(double_and_square, name='ds', x=5)
wg.run()
print('parts:', node.outputs.parts.double.value.value, node.outputs.parts.square.value.value)
assert node.outputs.total.value.value == 10 + 25

# %%
# Build, run and submit a graph task on its own
# ---------------------------------------------
# ``build(**inputs)`` returns the ``WorkGraph`` the function builds, without running it; ``run(**inputs)`` builds
# and runs it (``submit(**inputs)`` sends it to the daemon).

graph = add_multiply.build(x=2, y=3, z=4)
print('built:', graph.name, sorted(name for name in graph.tasks._get_keys() if not name.startswith('graph_')))
print('run:', add_multiply.run(x=2, y=3, z=4)['result'].value)
assert graph.run()['result'].value == 20

# %%
# Recursion and ``max_depth``
# ---------------------------
# A graph task may call itself; each call is one more level of WorkGraph processes. ``max_depth`` (100 by default)
# bounds how deep they may nest: the graph task that would go deeper fails with a clear message, and so does each
# graph above it (exit status 302).


@task.graph(max_depth=5)
def factorial(n):
    """``n!`` as a chain of nested graphs."""
    if n.value <= 1:
        return add(x=n, y=0).result
    return multiply(x=n, y=factorial(n=add(x=n, y=-1).result).result).result


print('4! =', factorial.run(n=orm.Int(4))['result'].value)
wg = WorkGraph('too_deep')
wg.add_task(factorial, name='factorial', n=orm.Int(10))
wg.run()
print('exit status:', wg.process.exit_status)
assert wg.process.exit_status == 302
