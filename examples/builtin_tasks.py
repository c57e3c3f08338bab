"""
Built-in tasks
==============

Tasks that come with aiida-workgraph are added by their identifier, ``wg.add_task('workgraph.<name>', ...)``:
``aiida_int`` and its siblings turn a value into an AiiDA node, ``load_node`` and ``load_code`` load stored nodes,
``select`` picks one of two values, and ``test_add``/``test_sum_diff`` are small calcfunctions for trying things out.
"""

# %%
# Build a graph from built-in tasks
# ---------------------------------

from aiida import load_profile, orm

from aiida_workgraph import WorkGraph

load_profile()

stored = orm.Int(10).store()

wg = WorkGraph('builtin_tasks')
loaded = wg.add_task('workgraph.load_node', name='loaded', pk=stored.pk)
total = wg.add_task('workgraph.test_add', name='total', x=loaded.outputs.node, y=5)
both = wg.add_task('workgraph.test_sum_diff', name='both', x=total.outputs.result, y=3)
pick = wg.add_task('workgraph.select', name='pick', condition=True, true=both.outputs.sum, false=both.outputs.diff)
wg.outputs.picked = pick.outputs.result

# %%
# Run it
# ------

outputs = wg.run()
print('sum and diff:', both.outputs.sum.value.value, both.outputs.diff.value.value)
print('picked:', outputs['picked'].value)
assert outputs['picked'].value == 18
