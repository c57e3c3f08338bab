"""
Sub-graphs
==========

A ``WorkGraph`` can be a task of another graph: ``wg.add_task(other)``, or ``other({...})`` inside a
``with WorkGraph() as wg:`` block. Its graph inputs and outputs become the task's sockets, and it runs as a child
WorkGraph process (process label ``WorkGraph<its name>``, CALL link named after the task). ``wg.extend(other,
prefix=...)`` copies the tasks of another graph instead.
"""

# %%
# A WorkGraph as a task
# ---------------------
# The values set inside the sub-graph (here ``y=10``) are converted when the parent process is created, like every
# other value of the parent: ``wg.validate()`` lists them under ``tasks.<task>.subgraph_tasks``.

from aiida import load_profile

from aiida_workgraph import WorkGraph, task

load_profile()


@task
def add(x, y):
    """Return ``x + y``."""
    return x + y


sub = WorkGraph('add_ten', inputs=['x', 'y'], outputs=['sum'])
first = sub.add_task(add, name='first', x=sub.inputs.x, y=sub.inputs.y)
second = sub.add_task(add, name='second', x=first.outputs.result, y=10)
sub.outputs.sum = second.outputs.result

wg = WorkGraph('with_subgraph')
sub_task = wg.add_task(sub, name='sub1', x=1, y=2)
wg.outputs.total = wg.add_task(add, name='after', x=sub_task.outputs.sum, y=100).outputs.result
print(wg.validate())
outputs = wg.run()
print('total:', outputs['total'].value)
assert outputs['total'].value == 1 + 2 + 10 + 100
print('child:', sub_task.process.process_label)
assert sub_task.process.process_label == 'WorkGraph<add_ten>'

# %%
# Calling a WorkGraph inside a graph
# ----------------------------------
# Calling the graph with a dict of its inputs adds it as a task and returns its outputs.

with WorkGraph('called_subgraph') as wg:
    sums = sub({'x': 5, 'y': 5})
    wg.outputs.total = add(x=sums.sum, y=1).result
outputs = wg.run()
print('called:', outputs['total'].value)
assert outputs['total'].value == 21

# %%
# Extending a graph
# -----------------
# ``extend`` copies the tasks (names prefixed) and the links between them into this graph; links to the other
# graph's inputs and outputs are not copied, so connect its first task yourself.

wg = WorkGraph('extended')
start = wg.add_task(add, name='start', x=1, y=1)
wg.extend(sub, prefix='copy_')
wg.add_link(start.outputs.result, wg.tasks['copy_first'].inputs.x)
wg.tasks['copy_first'].set_inputs({'y': 3})
wg.outputs.total = wg.tasks['copy_second'].outputs.result
print('tasks:', [name for name in wg.tasks._get_keys() if not name.startswith('graph_')])
assert wg.run()['total'].value == 2 + 3 + 10
