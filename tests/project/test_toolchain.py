"""The toolchain agrees with itself. The lock: every dependency pyproject.toml names (runtime and
test) is pinned in requirements/lock.txt at a version its specifier allows, with hashes, and `make
setup` installs from that lock (`make lock` regenerates it). Templates under test: a misspelt
variable in our own templates fails, while the design system's macros stay lenient."""

import itertools
import os
import re
import tomllib
import types
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements" / "lock.txt"
MAKEFILE = ROOT / "Makefile"

# The extras the lock resolves (`pip-compile --extra test`).
LOCKED_EXTRAS = ["test"]


def declared():
    """Every Requirement in pyproject.toml's dependencies and the locked extras."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    lines = list(project["dependencies"])
    for extra in LOCKED_EXTRAS:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


def entries():
    """[(pinned name, the whole entry with its continuation lines joined)] from the lock."""
    text = re.sub(r"\\\n", " ", LOCK.read_text())
    return [
        (m.group(1), line) for line in text.splitlines() if (m := re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*==", line))
    ]


def pins():
    """{canonical name: Version} for every pin in the lock."""
    found = {}
    for name, line in entries():
        version = re.match(r"[^=]+==\s*([^\s;\\]+)", line).group(1)
        found[canonicalize_name(name)] = Version(version)
    return found


def test_the_parsers_find_what_they_should():
    # Guards the tests below against passing vacuously on a parser that finds nothing.
    names = {canonicalize_name(r.name) for r in declared()}
    assert {"django", "pillow", "pytest", "pytest-cov"} <= names
    assert {"django", "pytest", "packaging"} <= pins().keys()


def test_every_declared_dependency_is_pinned_in_the_lock_at_a_version_it_allows():
    locked = pins()
    problems = []
    for requirement in declared():
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement} is not in {LOCK.name}")
        elif not requirement.specifier.contains(locked[name], prereleases=True):
            problems.append(f"{requirement} does not allow the locked {name}=={locked[name]}")
    assert not problems, "pyproject.toml and the lock disagree; run `make lock`:\n" + "\n".join(problems)


def test_every_pin_is_exact_and_carries_hashes():
    without = [name for name, line in entries() if "--hash=sha256:" not in line]
    assert not without, f"pinned without a hash (pip refuses the whole lock): {without}"
    requirement_lines = [line for line in LOCK.read_text().splitlines() if re.match(r"[A-Za-z0-9]", line)]
    loose = [line for line in requirement_lines if not re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*\s*==", line)]
    assert not loose, f"not pinned with ==: {loose}"


def test_make_setup_installs_from_the_lock():
    makefile = MAKEFILE.read_text()
    assert re.search(r"^LOCK := requirements/lock\.txt$", makefile, flags=re.M)
    assert "pip install --quiet -r $(LOCK)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile


@pytest.fixture
def render(tmp_path, monkeypatch):
    """render(source, **context) through the test-time Jinja2 environment, tmp_path standing in
    for the folder of Involve's own templates."""
    from jinja2 import FileSystemLoader

    from involve import jinja2env

    monkeypatch.setattr(jinja2env, "_OUR_CODE", str(tmp_path.resolve()) + os.sep)
    jinja2env._is_our_template.cache_clear()
    env = jinja2env.environment(loader=FileSystemLoader(tmp_path), strict_undefined=True)
    names = itertools.count()

    def render(source, **context):
        name = f"page{next(names)}.html"
        (tmp_path / name).write_text(source)
        return env.get_template(name).render(**context)

    yield render
    jinja2env._is_our_template.cache_clear()


MACRO = '{% from "nhsuk/components/button/macro.jinja" import button %}'


def test_under_test_a_misspelt_name_or_attribute_in_our_templates_fails(render):
    record = types.SimpleNamespace(title="Ward closure")
    for source in [
        "{{ titel }}",
        "{% if titel %}x{% endif %}",
        "{{ record.titel }}",
        MACRO + '{{ button({"text": record.titel}) }}',
        "{% for x in titel %}{% endfor %}",
    ]:
        with pytest.raises(UndefinedError):
            render(source, record=record)


def test_is_defined_default_and_the_design_system_macros_stay_lenient(render):
    html = render(
        '{% extends "nhsuk/template.jinja" %}'
        + MACRO
        + '{% block content %}{{ button({"text": record.title}) }}{{ titel | default("none") }}'
        + "{% if record.titel is defined %}defined{% endif %}{% endblock %}",
        record=types.SimpleNamespace(title="Ward closure"),
    )
    assert "Ward closure" in html and "none" in html and "defined" not in html
