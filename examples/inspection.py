"""
Inspecting a graph
==================

``repr(wg)`` names the graph, ``wg.show()`` prints its tasks with their processes and states, ``wg.to_html()``
writes an interactive drawing of the graph, and ``wg.generate_provenance_graph()`` draws the provenance of a run
(it needs the graphviz program ``dot``). ``aiida_workgraph.utils.get_process_summary`` lists a process's inputs and
outputs.
"""

# %%
# Before running
# --------------

from aiida import load_profile

from aiida_workgraph import WorkGraph, task
from aiida_workgraph.utils import get_process_summary

load_profile()


@task
def add(x: int, y: int) -> int:
    """Return ``x + y``."""
    return x + y


with WorkGraph('inspection') as wg:
    total = add(x=add(x=1, y=2).result, y=3).result
    wg.outputs.total = total

print(repr(wg))
wg.show()
frame = wg.to_html(output='inspection.html')
print('drawing of the graph written to', frame.src)

# %%
# After running
# -------------

wg.run()
wg.show()
print(get_process_summary(wg.pk, data=['inputs', 'outputs']))
try:
    wg.generate_provenance_graph(output='inspection_provenance.html')
    print('provenance graph written to inspection_provenance.html')
except RuntimeError as error:  # graphviz's `dot` is not installed
    print(error)
assert wg.outputs.total.value.value == 6
