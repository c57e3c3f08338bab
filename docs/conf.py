"""Sphinx configuration of the documentation site: MyST Markdown pages, an API reference, the examples gallery.

Build it (after ``bash scripts/setup.sh``, which installs the ``docs`` extra) with::

    .venv/bin/sphinx-build -W -b html docs docs/_build/html

No AiiDA profile is needed: ``import aiida_workgraph`` works without one (the API reference imports the package), and
the gallery of ``examples/`` is rendered without running the scripts (``plot_gallery = False``; the test suite runs
them). The gallery's generated pages go to ``docs/auto_examples`` and the build to ``docs/_build`` (both git-ignored).
"""

from __future__ import annotations

import os
import pathlib
import sys
import warnings

DOCS = pathlib.Path(__file__).resolve().parent
REPOSITORY = DOCS.parent
# The package is installed (editable) in the virtual environment; this also makes a plain checkout importable.
sys.path.insert(0, str(REPOSITORY / 'src'))
# Importing aiida creates its configuration folder: never let a docs build fall back to ~/.aiida.
os.environ.setdefault('AIIDA_PATH', str(DOCS / '_build' / 'aiida'))

from aiida.common.warnings import AiidaDeprecationWarning  # noqa: E402

import aiida_workgraph  # noqa: E402

# Reading aiida-core's classes for the API reference touches their deprecated attributes: not the reader's concern.
warnings.filterwarnings('ignore', category=AiidaDeprecationWarning)

project = 'aiida-workgraph'
author = 'the aiida-workgraph developers'
copyright = 'the aiida-workgraph developers'  # noqa: A001 (the name Sphinx reads)
release = aiida_workgraph.__version__
version = release

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.autosummary',
    'sphinx.ext.viewcode',
    'sphinx_gallery.gen_gallery',
]

source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
root_doc = 'index'
exclude_patterns = ['_build', 'Thumbs.db', '.DS_Store', 'auto_examples/*.py', 'auto_examples/*.ipynb']
nitpicky = False

# region MyST

myst_enable_extensions = ['colon_fence', 'deflist']
myst_heading_anchors = 3

# endregion

# region API reference

# api.md lists the package recursively; the pages of its modules are generated into docs/generated (git-ignored).
autosummary_generate = True
autosummary_imported_members = False
autodoc_member_order = 'bysource'
# aiida-pythonjob reads the AiiDA configuration when imported; the docs are built without a profile, so the parser
# module of PythonJob tasks (which subclasses aiida-pythonjob's parser) is documented against a mock of it.
autodoc_mock_imports = ['aiida_pythonjob']
autodoc_typehints = 'description'
# ignore-module-all: a package's __all__ re-exports names documented in their own modules (no duplicates).
autodoc_default_options = {'members': True, 'show-inheritance': True, 'ignore-module-all': True}

# endregion

# region gallery of examples/

sphinx_gallery_conf = {
    'examples_dirs': str(REPOSITORY / 'examples'),
    'gallery_dirs': str(DOCS / 'auto_examples'),
    # Every script of examples/ is shown; none is run while building (the test suite runs them with a profile).
    'filename_pattern': r'.*\.py$',
    # main_job.py is the project's end-to-end job (scripts/run_main_job.sh), not a gallery page.
    'ignore_pattern': r'(__init__|main_job)\.py$',
    'write_computation_times': False,
    'plot_gallery': 'False',
    'download_all_examples': False,
    'within_subsection_order': 'FileNameSortKey',
    'remove_config_comments': True,
    'show_signature': False,
}

# endregion

html_theme = 'alabaster'
html_title = f'aiida-workgraph {release}'
html_theme_options = {'description': 'Node-based workflows for AiiDA', 'fixed_sidebar': True}
html_static_path: list[str] = []
