"""Typed ``workgraph.*`` sockets: identifiers from type hints, build-time type checks, process ports, links."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest
from aiida import orm
from aiida.calculations.arithmetic.add import ArithmeticAddCalculation
from aiida.workflows.arithmetic.multiply_add import MultiplyAddWorkChain

from aiida_workgraph import WorkGraph, namespace, task
from aiida_workgraph.registry import registry_hub, type_mapping, type_promotion
from aiida_workgraph.socket import TaskSocket, TaskSocketNamespace
from aiida_workgraph.socket_spec import SocketSpec
from aiida_workgraph.sockets import builtins as socket_builtins


def node_count() -> int:
    """The number of nodes in the profile's database."""
    return orm.QueryBuilder().append(orm.Node).count()


@task
def typed(
    x: int,
    y: float = 1.0,
    label: str = 'a',
    flag: bool = True,
    anything: Any = None,
    items: list = None,
    mapping: orm.Dict = None,
    structure: orm.StructureData = None,
    count: orm.Int = None,
    untyped=1,
):
    """A function whose arguments cover the type mapping."""
    return x


@task(outputs=namespace(total=int, ratio=orm.Float, nested=namespace(text=str)))
def several(x: int) -> dict:
    """Return several typed outputs."""
    return {'total': x, 'ratio': 1.0, 'nested': {'text': 'a'}}


def test_type_mapping_table() -> None:
    """``registry.type_mapping`` maps Python and AiiDA types to the same ``workgraph.*`` identifiers as upstream."""
    expected = {
        Any: 'workgraph.any',
        int: 'workgraph.int',
        orm.Int: 'workgraph.int',
        float: 'workgraph.float',
        orm.Float: 'workgraph.float',
        bool: 'workgraph.bool',
        orm.Bool: 'workgraph.bool',
        str: 'workgraph.string',
        orm.Str: 'workgraph.string',
        list: 'workgraph.list',
        orm.List: 'workgraph.list',
        dict: 'workgraph.dict',
        orm.Dict: 'workgraph.dict',
        orm.StructureData: 'workgraph.aiida_structuredata',
        'default': 'workgraph.any',
        'namespace': 'workgraph.namespace',
    }
    for key, identifier in expected.items():
        assert type_mapping[key] == identifier, key
    assert ('workgraph.int', 'workgraph.float') in type_promotion
    assert ('workgraph.bool', 'workgraph.int') in type_promotion


def test_entry_point_groups_resolve_every_identifier() -> None:
    """Every socket and property identifier of the entry-point groups loads, with a class of the same identifier."""
    sockets = {ep.name: ep for ep in entry_points().select(group='aiida_workgraph.socket')}
    properties = {ep.name: ep for ep in entry_points().select(group='aiida_workgraph.property')}
    for name in ('any', 'int', 'float', 'bool', 'string', 'list', 'dict', 'namespace', 'annotated'):
        assert f'workgraph.{name}' in sockets
    for name, ep in sockets.items():
        assert ep.load()._identifier == name
        assert registry_hub.socket_pool[name].load() is ep.load()
    for name, ep in properties.items():
        assert ep.load().identifier == name
    assert {ep.name for ep in entry_points().select(group='aiida_workgraph.type_mapping')} == {
        'workgraph.builtins_mapping'
    }


def test_sockets_of_type_hints() -> None:
    """Each argument's socket has the identifier, class and property of its type hint."""
    wg = WorkGraph('socket_ids')
    node = wg.add_task(typed, name='typed')
    expected = {
        'x': ('workgraph.int', socket_builtins.SocketInt),
        'y': ('workgraph.float', socket_builtins.SocketFloat),
        'label': ('workgraph.string', socket_builtins.SocketString),
        'flag': ('workgraph.bool', socket_builtins.SocketBool),
        'anything': ('workgraph.any', socket_builtins.SocketAny),
        'items': ('workgraph.list', socket_builtins.SocketList),
        'mapping': ('workgraph.dict', socket_builtins.SocketDict),
        'structure': ('workgraph.aiida_structuredata', socket_builtins.SocketStructureData),
        'count': ('workgraph.int', socket_builtins.SocketInt),
        'untyped': ('workgraph.any', socket_builtins.SocketAny),
    }
    for name, (identifier, cls) in expected.items():
        socket = node.inputs[name]
        assert socket._identifier == identifier
        assert type(socket) is cls
        assert isinstance(socket, TaskSocket)
        assert socket.property.identifier == identifier
    assert isinstance(node.inputs, TaskSocketNamespace)
    assert node.inputs._identifier == 'workgraph.namespace'
    outputs = wg.add_task(several, name='several').outputs
    assert outputs.total._identifier == 'workgraph.int'
    assert outputs.ratio._identifier == 'workgraph.float'
    assert outputs.nested._identifier == 'workgraph.namespace'
    assert outputs.nested.text._identifier == 'workgraph.string'
    assert wg.inputs._identifier == 'workgraph.namespace'


def _unit_cell() -> orm.StructureData:
    return orm.StructureData(cell=[[1, 0, 0], [0, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize(
    ('name', 'good', 'bad', 'bad_type'),
    [
        ('x', lambda: [1, True, orm.Int(1), None], lambda: 1.0, 'float'),
        ('x', list, lambda: 'x', 'str'),
        ('x', list, lambda: orm.Float(1.0), 'Float'),
        ('y', lambda: [1, 1.5, orm.Int(1), orm.Float(2.0)], lambda: 'x', 'str'),
        ('label', lambda: ['a', orm.Str('a')], lambda: 1, 'int'),
        ('flag', lambda: [True, 1, orm.Bool(False)], lambda: 'yes', 'str'),
        ('items', lambda: [[1], (1, 2), orm.List([1])], lambda: 1, 'int'),
        ('mapping', lambda: [{'a': 1}, orm.Dict({'a': 1})], lambda: 1, 'int'),
        ('structure', lambda: [_unit_cell()], dict, 'dict'),
    ],
)
def test_typed_socket_checks_values_when_set(name: str, good: Any, bad: Any, bad_type: str) -> None:
    """A typed socket takes its Python type, the AiiDA type for it and None, and refuses others with a clear error."""
    before = node_count()
    node = WorkGraph('typed_values').add_task(typed, name='typed')
    for value in good():
        node.inputs[name].value = value
        assert node.inputs[name].value is value
    with pytest.raises(TypeError, match=rf"Invalid value for property '{name}': expected \(.*\), but got {bad_type} "):
        node.inputs[name].value = bad()
    assert node_count() == before


def test_wrong_type_refused_by_add_task_and_set_inputs() -> None:
    """``add_task(..., x=1.5)`` and ``set_inputs`` refuse a wrong type at build time; nothing is stored."""
    before = node_count()
    wg = WorkGraph('typed_add_task')
    with pytest.raises(TypeError, match=r"Invalid value for property 'x'.*but got float \(value=1.5\)"):
        wg.add_task(typed, name='first', x=1.5)
    second = wg.add_task(typed, name='second')
    with pytest.raises(TypeError, match=r"Invalid value for property 'label'.*but got int \(value=3\)"):
        second.set_inputs({'x': 1, 'label': 3})
    with WorkGraph('typed_call') as graph:
        with pytest.raises(TypeError, match=r"Invalid value for property 'x'"):
            typed(x='one')
    assert graph is not None
    assert node_count() == before


def test_vector_properties_check_size_and_item_type() -> None:
    """``workgraph.aiida_int_vector``/``aiida_float_vector`` sockets check the size and the type of the items."""
    vectors = namespace(
        counts=SocketSpec('workgraph.aiida_int_vector'), weights=SocketSpec('workgraph.aiida_float_vector')
    )

    @task(inputs=vectors)
    def weigh(counts, weights):
        return sum(c * w for c, w in zip(counts, weights))

    node = WorkGraph('vectors').add_task(weigh, name='weigh')
    assert type(node.inputs.counts) is socket_builtins.SocketAiiDAIntVector
    assert node.inputs.counts.property.size == 3
    node.inputs.counts.value = [1, 2, 3]
    node.inputs.counts.value = orm.List([1, 2, 3])
    node.inputs.weights.value = [1, 2.5, 3]
    with pytest.raises(ValueError, match=r'Invalid size: Expected 3, got 2 instead\.'):
        node.inputs.counts.value = [1, 2]
    with pytest.raises(
        ValueError, match=r"Invalid item type: Expected \(<class 'int'>, .*\), got <class 'float'> instead"
    ):
        node.inputs.counts.value = [1.0, 2, 3]
    with pytest.raises(ValueError, match=r"Invalid item type: .*got <class 'str'> instead"):
        node.inputs.weights.value = ['a', 2, 3]
    with pytest.raises(ValueError, match=r'Invalid size: Expected 3, got 4 instead\.'):
        node.inputs.weights.value = orm.List([1, 2, 3, 4])
    with pytest.raises(TypeError, match=r"Invalid value for property 'counts'.*but got int"):
        node.inputs.counts.value = 5


def test_process_port_identifiers() -> None:
    """A process port whose ``valid_type`` is one mapped type gets its identifier; other ports are ``any``."""
    wg = WorkGraph('ports')
    chain = wg.add_task(MultiplyAddWorkChain, name='chain')
    assert chain.inputs.x._identifier == 'workgraph.int'
    assert chain.inputs.code._identifier == 'workgraph.any'
    assert chain.inputs.metadata._identifier == 'workgraph.namespace'
    assert chain.inputs.metadata.call_link_label._identifier == 'workgraph.string'
    assert chain.inputs.metadata.store_provenance._identifier == 'workgraph.bool'
    add = wg.add_task(ArithmeticAddCalculation, name='add')
    assert add.inputs.x._identifier == 'workgraph.any'  # valid_type (Int, Float)
    assert add.outputs.sum._identifier == 'workgraph.any'
    with pytest.raises(TypeError, match=r"Invalid value for property 'x'.*but got str"):
        chain.inputs.x.value = 'two'


def test_links_between_typed_sockets() -> None:
    """int -> float links are promoted; str -> int links are refused with the socket types named."""
    wg = WorkGraph('typed_links')
    first = wg.add_task(several, name='first', x=1)
    second = wg.add_task(typed, name='second')
    second.inputs.y = first.outputs.total
    assert len(wg.links) == 1
    with pytest.raises(TypeError, match=r'string.*int|int.*string'):
        second.inputs.x = first.outputs.nested.text
    assert len(wg.links) == 1


def test_typed_graph_runs_and_the_walk_stores_the_values() -> None:
    """Typed sockets only check: the walk stores an ``int`` as ``Int`` and an ``Int`` as itself."""
    count = orm.Int(5)
    wg = WorkGraph('typed_run')
    wg.add_task(typed, name='typed', x=2, count=count, y=3)
    wg.outputs.result = wg.tasks.typed.outputs.result
    outputs = wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    assert outputs['result'].value == 2
    inputs = wg.process.base.links.get_incoming().nested()['tasks']['typed']
    assert isinstance(inputs['x'], orm.Int) and inputs['x'].value == 2
    assert isinstance(inputs['y'], orm.Int) and inputs['y'].value == 3
    assert inputs['count'].pk == count.pk


def test_legacy_node_graph_identifiers_load_as_workgraph_sockets() -> None:
    """A structure with ``node_graph.*`` identifiers (earlier releases) rebuilds with ``workgraph.*`` sockets."""

    @task
    def local(x: int, untyped=None):  # defined here, so its spec is stored in full (with the socket identifiers)
        return x

    wg = WorkGraph('legacy')
    wg.add_task(local, name='local', x=1)
    data = wg.to_dict()
    assert 'workgraph.int' in repr(data)
    rebuilt = WorkGraph.from_dict(_legacy_identifiers(data))
    assert rebuilt.tasks.local.inputs.x.value == 1
    assert type(rebuilt.tasks.local.inputs.x) is socket_builtins.SocketInt
    assert type(rebuilt.tasks.local.inputs.untyped) is socket_builtins.SocketAny
    assert 'node_graph.int' in repr(_legacy_identifiers(data))


def _legacy_identifiers(tree: Any) -> Any:
    """A copy of a nested structure with every ``workgraph.int``/``workgraph.any`` string as ``node_graph.*``."""
    if isinstance(tree, dict):
        return {key: _legacy_identifiers(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_legacy_identifiers(value) for value in tree]
    if tree in ('workgraph.int', 'workgraph.any'):
        return tree.replace('workgraph.', 'node_graph.')
    return tree


def test_legacy_dynamic_namespace_spec_stays_dynamic() -> None:
    """A ``node_graph.namespace`` field that is dynamic becomes a dynamic ``workgraph.namespace`` socket."""
    from node_graph.socket_meta import SocketMeta

    @task(inputs=namespace(x=int, options=SocketSpec('node_graph.namespace', meta=SocketMeta(dynamic=True))))
    def configured(x, options=None):
        return x

    node = WorkGraph('legacy_namespace').add_task(configured, name='configured', options={'a': 1, 'b': {'c': 2}})
    assert type(node.inputs.options) is TaskSocketNamespace
    assert node.inputs.options._identifier == 'workgraph.namespace'
    assert node.inputs.options.a.value == 1


def test_results_are_read_back_without_a_type_check() -> None:
    """A result whose type differs from the output's hint is stored by the walk and read back as it is."""

    @task(outputs=namespace(count=int, text=str))
    def mismatched(x):
        return {'count': 'many', 'text': x}

    wg = WorkGraph('mismatched_outputs')
    node = wg.add_task(mismatched, name='mismatched', x=2)
    wg.run()
    assert wg.process.is_finished_ok, wg.process.exit_message
    assert node.outputs.count.value.value == 'many'
    assert node.outputs.text.value.value == 2
    assert WorkGraph.load(wg.pk).tasks.mismatched.outputs.count.value.value == 'many'
