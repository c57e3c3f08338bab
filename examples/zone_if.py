"""
If and Zone
===========

``with If(condition):`` puts the tasks created in its block into a zone that runs only if the condition holds;
``invert_condition=True`` makes the *else* branch. A comparison of sockets (``x > 5``) builds the condition task.
Tasks of a branch not taken end ``NOT_TAKEN``, which is not a failure, and so does every task that needs a value from
them. ``with Zone():`` groups tasks that start together, once all that they depend on outside it has finished.
"""

# %%
# Two branches
# ------------
# Both branches write ``wg.ctx.result``; the task reading it waits for both zones and gets the value of the branch
# that ran.

from aiida import load_profile

from aiida_workgraph import If, WorkGraph, Zone, task

load_profile()


@task
def add(x, y):
    """Return ``x + y``."""
    return x + y


@task
def multiply(x, y):
    """Return ``x * y``."""
    return x * y


with WorkGraph('if_example') as wg:
    total = add(x=2, y=3).result
    with If(total > 4):
        wg.ctx.result = multiply(x=total, y=10).result
    with If(total > 4, invert_condition=True):
        wg.ctx.result = add(x=total, y=1000).result
    wg.outputs.result = add(x=wg.ctx.result, y=0).result

outputs = wg.run()
print('result:', outputs['result'].value)
assert outputs['result'].value == 50
for name in ('multiply', 'add1', 'add2'):
    print(f'{name}: {wg.tasks[name].state}')
assert wg.tasks['add1'].state == 'NOT_TAKEN'
assert wg.process.is_finished_ok

# %%
# A zone
# ------
# ``late`` has no input of its own, but it belongs to a zone in which ``after`` needs ``first``: it starts only once
# ``first`` has finished.

with WorkGraph('zone_example') as wg:
    first = add(x=1, y=1, metadata={'call_link_label': 'first'}).result
    with Zone():
        add(x=10, y=10, metadata={'call_link_label': 'late'})
        wg.outputs.after = add(x=first, y=1, metadata={'call_link_label': 'after'}).result

wg.run()
print('late ran after first:', wg.tasks['late'].process.pk > wg.tasks['first'].process.pk)
assert wg.tasks['late'].process.pk > wg.tasks['first'].process.pk
