"""Shared by train_anchor.py and predict_anchor.py, which run in the anchor's own Python 3.10
virtualenv (setup_anchor.sh), never in Involve's.

pxtextmining 1.0.1 imports tensorflow, transformers and xgboost at module level in every factory,
although its scikit-learn SVC recipe never calls them. They are not installed (tensorflow 2.12
alone is about 600 MB); `install_stubs()` puts empty stand-ins in sys.modules so that
pxtextmining's own functions can be imported and called unchanged. Any use of a stand-in raises.
The stand-ins also mean the anchor's processes start faster than a full install would (no
tensorflow import), which flatters the anchor's timing, never Involve's.
"""

import csv
import sys
import types

STUBBED = ("tensorflow", "transformers", "xgboost")


class _Unavailable:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("not installed for the benchmark: pxtextmining's SVC recipe does not use it")


class _StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (_Unavailable,), {})


class _StubFinder:
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in STUBBED:
            return None
        from importlib.machinery import ModuleSpec

        return ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def install_stubs():
    sys.meta_path.insert(0, _StubFinder())


def question_type(question, q_map):
    """pxtextmining's FFT_q_standardised: its own q_map, matched with whitespace folded (Involve's
    loader folds the line breaks that q_map spells out); an unknown or empty question is
    'nonspecific', as load_multilabel_data does for an empty one."""
    folded = {" ".join(k.split()): v for k, v in q_map.items()}
    return folded.get(" ".join((question or "").split()), "nonspecific")


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
