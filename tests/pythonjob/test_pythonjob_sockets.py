"""The ports of ``PythonJob`` on a PythonJob task: the ``remote_folder`` output linked into ``copy_files``."""

from __future__ import annotations

from aiida import orm

from aiida_workgraph import WorkGraph, task


def test_pythonjob_remote_folder_links_into_copy_files(localhost: orm.Computer) -> None:
    """The ``remote_folder`` of two PythonJob tasks linked into ``copy_files`` of a third: each folder is copied
    under ``<task>_remote_folder``, as upstream names the items of several links into one namespace."""

    @task.pythonjob()
    def write(x):
        with open('result.txt', 'w') as handle:
            handle.write(str(x))
        return x

    @task.pythonjob()
    def read(first, second):
        with open(f'{first}/result.txt') as one, open(f'{second}/result.txt') as two:
            return int(one.read()) * int(two.read())

    wg = WorkGraph('copy_files')
    one = wg.add_task(write, name='one', x=3)
    two = wg.add_task(write, name='two', x=5)
    last = wg.add_task(read, name='last', first='one_remote_folder', second='two_remote_folder')
    wg.add_link(one.outputs.remote_folder, last.inputs.copy_files)
    wg.add_link(two.outputs.remote_folder, last.inputs.copy_files)
    wg.run()

    assert wg.tasks.last.process.is_finished_ok, wg.tasks.last.process.exit_message
    assert isinstance(wg.tasks.one.outputs.remote_folder.value, orm.RemoteData)
    assert wg.tasks.last.outputs.result.value.value == 15
    copied = wg.tasks.last.process.inputs.copy_files
    assert set(copied) == {'one_remote_folder', 'two_remote_folder'}


def test_to_dict_should_serialize_converts_the_function_inputs() -> None:
    """``PythonJobTask.to_dict(should_serialize=True)``: the function's inputs as AiiDA data, the job inputs as
    given; without it, the values as set."""

    @task.pythonjob()
    def repeat(data: list, dim: int = 2) -> list:
        return data * dim

    wg = WorkGraph('to_dict')
    wg.add_task(repeat, name='repeat', data=[1, 2, 3], computer='localhost')
    assert wg.tasks.repeat.to_dict()['inputs']['data'] == [1, 2, 3]
    serialized = wg.tasks.repeat.to_dict(should_serialize=True)['inputs']
    assert isinstance(serialized['data'], orm.List)
    assert serialized['data'].get_list() == [1, 2, 3]
    assert isinstance(serialized['dim'], orm.Int)
    assert serialized['computer'] == 'localhost'


def test_pythonjob_var_kwargs_reach_the_function_spread(localhost: orm.Computer) -> None:
    """The items of a PythonJob function's ``**kwargs`` namespace are keyword arguments of their own: the job's
    ``function_inputs`` hold ``m`` and ``n``, and the function sums them."""

    @task.pythonjob()
    def add(x, y=1, **kwargs):
        return x + y + sum(kwargs.values())

    wg = WorkGraph('pythonjob_kwargs')
    wg.add_task(add, name='add1')
    wg.run(inputs={'add1': {'x': 1, 'y': 2, 'kwargs': {'m': 2, 'n': 3}}})

    job = wg.tasks.add1.process
    assert job.is_finished_ok, job.exit_message
    assert wg.tasks.add1.outputs.result.value.value == 8
    assert set(job.inputs.function_inputs) == {'x', 'y', 'm', 'n'}
