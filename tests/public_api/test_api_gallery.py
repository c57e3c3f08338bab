"""Behaviours that upstream's documentation gallery relies on (scripts/run_upstream_gallery.sh runs the gallery)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from aiida_workgraph import task


class XYModel(BaseModel):
    """The inputs of ``add_multiply_model``: a namespace ``data`` with sockets ``x`` and ``y``."""

    x: int
    y: int


class SumProductModel(BaseModel):
    """The outputs of ``add_multiply_model``: sockets ``sum`` and ``product``."""

    sum: int
    product: int


@dataclass
class XYData:
    """A dataclass as the inputs of ``add_multiply_dataclass``."""

    x: int
    y: int


@task
def add_multiply_model(data: XYModel) -> SumProductModel:
    """Needs ``data`` as an ``XYModel`` instance (attribute access)."""
    return SumProductModel(sum=data.x + data.y, product=data.x * data.y)


@task
def add_multiply_dataclass(data: XYData) -> SumProductModel:
    """Needs ``data`` as an ``XYData`` instance."""
    assert isinstance(data, XYData)
    return SumProductModel(sum=data.x + data.y, product=data.x * data.y)


@task.graph
def ModelGraph(data: XYModel) -> SumProductModel:
    """A graph whose input and output namespaces come from pydantic models (as the gallery's AddMultiplyPydantic)."""
    return add_multiply_model(data=data)


def test_pydantic_model_input_reaches_the_function_as_a_model() -> None:
    """A graph input given as a model instance is a namespace of sockets (one node per field, linked
    ``function_inputs__data__x``...), and the function gets it back as the model; its model result fills the outputs."""
    wg = ModelGraph.build(data=XYModel(x=3, y=4))
    wg.run()
    assert wg.process.is_finished_ok
    assert wg.tasks.add_multiply_model.state == 'FINISHED'
    assert wg.outputs.sum.value == 7
    assert wg.outputs.product.value == 12
    node = wg.tasks.add_multiply_model.process
    links = node.base.links.get_incoming().all()
    inputs = {link.link_label: link.node.value for link in links if link.link_label.startswith('function_inputs')}
    assert inputs['function_inputs__data__x'] == 3
    assert inputs['function_inputs__data__y'] == 4


def test_dataclass_input_reaches_the_function_as_a_dataclass() -> None:
    """A dict given to a dataclass-annotated input is passed to the function as an instance of the dataclass."""
    from aiida_workgraph import WorkGraph

    with WorkGraph('dataclass_input') as wg:
        outputs = add_multiply_dataclass(data={'x': 2, 'y': 5})
        wg.run()
    assert wg.tasks.add_multiply_dataclass.state == 'FINISHED'
    assert outputs.sum.value == 7
    assert outputs.product.value == 10
