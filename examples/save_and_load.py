"""
Validating, saving and loading
==============================

``wg.validate()`` reports what each value will become, storing nothing; ``wg.save()`` creates the process without
running it; ``WorkGraph.load(pk)`` rebuilds a graph, with its states and results, from the database.
"""

# %%
# A dry run
# ---------

from aiida import load_profile

from aiida_workgraph import WorkGraph, task

load_profile()


@task
def add(x: int, y: int) -> int:
    """Return ``x + y``."""
    return x + y


wg = WorkGraph('save_and_load')
wg.add_task(add, name='add', x=1, y=2)
report = wg.validate()
print(report)

# %%
# Run, then load the graph back
# -----------------------------

wg.run()
loaded = WorkGraph.load(wg.pk)
loaded.show()
print('result:', loaded.tasks.add.outputs.result.value.value)
assert loaded.tasks.add.state == 'FINISHED'
assert loaded.tasks.add.outputs.result.value.value == 3

# %%
# Save without running
# --------------------
# The process is created, with its inputs stored, and waits for a daemon (``wg.continue_process()``).

saved = WorkGraph('saved_for_later')
saved.add_task(add, name='add', x=4, y=5)
node = saved.save()
print(node, node.process_state)
