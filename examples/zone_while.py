"""
While loops
===========

``with While(condition):`` runs the tasks created in its block again and again while the condition holds. The
condition is usually a comparison of the graph context (``wg.ctx.n < 8``), which the tasks inside update
(``wg.ctx.n = ...``). Before each iteration the condition task runs again with the current context. Each iteration
runs the same tasks again (their processes are called under the task names); nothing is added to the graph.
"""

# %%
# Counting up
# -----------
# ``n`` goes 1 -> 3 -> 5 -> 7 -> 9; the task after the loop waits for the whole loop and reads the final ``n``.

from collections import Counter

from aiida import load_profile
from aiida.common.links import LinkType

from aiida_workgraph import If, While, WorkGraph, task

load_profile()


@task
def add(x, y):
    """Return ``x + y``."""
    return x + y


with WorkGraph('while_example') as wg:
    wg.ctx.n = 1
    with While(wg.ctx.n < 8):
        wg.ctx.n = add(x=wg.ctx.n, y=2).result
    wg.outputs.final = add(x=wg.ctx.n, y=100).result

outputs = wg.run()
print('final:', outputs['final'].value)
assert outputs['final'].value == 109
calls = Counter(link.link_label for link in wg.process.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all())
print('processes called per task:', dict(calls))
assert calls == {'op_lt': 5, 'add': 4, 'add1': 1}

# %%
# A branch inside the loop, and a limit
# -------------------------------------
# An ``If`` inside the loop is decided again at each iteration. ``max_iterations`` ends a loop whose condition would
# hold for too long.

with WorkGraph('while_if_example') as wg:
    wg.ctx.n = 0
    wg.ctx.last_big = 0
    with While(wg.ctx.n < 1000, max_iterations=5):
        n = add(x=wg.ctx.n, y=1).result
        wg.ctx.n = n
        with If(n > 3):
            wg.ctx.last_big = add(x=n, y=1000).result
    wg.outputs.n = add(x=wg.ctx.n, y=0).result
    wg.outputs.last_big = add(x=wg.ctx.last_big, y=0).result

outputs = wg.run()
print('n:', outputs['n'].value, 'last_big:', outputs['last_big'].value)
assert outputs['n'].value == 5
assert outputs['last_big'].value == 1005
