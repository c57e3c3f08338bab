"""
Map over items
==============

``with Map(source) as map_zone:`` runs the tasks created in its block once per item of ``source`` (a dict, or the
output of a task that returns one). Inside the block, ``map_zone.key`` and ``map_zone.value`` are the item;
``map_zone.gather({'name': socket})`` collects that socket of every item into ``map_zone.outputs.name``, a namespace
keyed like the source. The graph keeps each task once; the engine runs one instance per item, and each instance's
process is called ``<key>_<task>``.
"""

# %%
# A map over the dict a task returns
# ----------------------------------
# ``squares`` returns ``{'k0': 0, 'k1': 1, 'k2': 4, 'k3': 9}``; each item is incremented, and ``total`` sums what the
# map gathered (a task input annotated as a dynamic namespace receives the whole ``{key: value}``).

from collections import Counter
from typing import Annotated, Any

from aiida import load_profile
from aiida.common.links import LinkType

from aiida_workgraph import If, Map, WorkGraph, spec, task

load_profile()


@task
def squares(n):
    """Return ``{'k<i>': i * i}`` for ``i < n``."""
    return {f'k{i}': i * i for i in range(n)}


@task
def add(x, y):
    """Return ``x + y``."""
    return x + y


@task
def total(values: Annotated[dict, spec.dynamic(Any)]):
    """Return the sum of a gathered namespace."""
    return sum(values.values())


with WorkGraph('map_example') as wg:
    with Map(squares(n=4).result) as map_zone:
        plus_one = add(x=map_zone.value, y=1).result
        map_zone.gather({'plus_one': plus_one})
    wg.outputs.plus_one = map_zone.outputs.plus_one
    wg.outputs.total = total(values=map_zone.outputs.plus_one).result

outputs = wg.run()
gathered = {key: node.value for key, node in outputs['plus_one'].items()}
print('gathered:', gathered, 'total:', outputs['total'].value)
assert gathered == {'k0': 1, 'k1': 2, 'k2': 5, 'k3': 10}
assert outputs['total'].value == 18
calls = Counter(link.link_label for link in wg.process.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all())
print('processes called:', sorted(calls))
assert calls == {'squares': 1, 'k0_add': 1, 'k1_add': 1, 'k2_add': 1, 'k3_add': 1, 'total': 1}

# %%
# A branch per item
# -----------------
# An ``If`` inside a map is decided for each item; the items whose branch is not taken are left out of what the map
# gathers.

with WorkGraph('map_if_example') as wg:
    with Map({'a': 1, 'b': 5, 'c': 7}) as map_zone:
        with If(map_zone.value > 3):
            big = add(x=map_zone.value, y=100).result
        map_zone.gather({'big': big})
    wg.outputs.big = map_zone.outputs.big

outputs = wg.run()
print('big items:', {key: node.value for key, node in outputs['big'].items()})
assert {key: node.value for key, node in outputs['big'].items()} == {'b': 105, 'c': 107}
