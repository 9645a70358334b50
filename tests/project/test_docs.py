"""The README stays true: its configuration table matches the variables the code reads, and its
first two commands are the ones CI runs."""

import ast
import os
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "involve"
README = ROOT / "README.md"

# Calls whose first argument names an environment variable.
ENV_READERS = {"env", "env_bool", "env_int", "env_secret", "get", "getenv", "setdefault"}


def variables_read():
    """{name: read as a secret (so NAME_FILE works too)} for every INVOLVE_* variable the code reads."""
    found = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            reader, arg = None, None
            if isinstance(node, ast.Call) and node.args:
                reader = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                arg = node.args[0] if reader in ENV_READERS else None
            elif isinstance(node, ast.Subscript):  # os.environ["INVOLVE_…"]
                arg = node.slice
            name = arg.value if isinstance(arg, ast.Constant) else None
            if isinstance(name, str) and name.startswith("INVOLVE_"):
                found[name] = found.get(name, False) or reader == "env_secret"
    return found


def configuration_rows():
    """{variable: whole table row} from the README's Configuration section."""
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            for name in re.findall(r"`(INVOLVE_\w+)`", first_cell):
                rows[name] = line
    return rows


def commands(text):
    """Command lines from the fenced code blocks of a Markdown text, in order, comments removed."""
    lines = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                lines.append(words)
    return lines


def test_the_code_reads_its_configuration_through_the_helpers():
    # Guards the parser below: if this finds nothing, the next test would pass vacuously.
    assert {"INVOLVE_ENV", "INVOLVE_SECRET_KEY", "INVOLVE_BIND"} <= variables_read().keys()


def test_the_configuration_table_lists_every_variable():
    rows = configuration_rows()
    read = variables_read()
    assert sorted(read.keys() - rows.keys()) == [], "read by the code but missing from README.md's table"
    assert sorted(rows.keys() - read.keys()) == [], "in README.md's table but read nowhere"
    assert [name for name, secret in read.items() if secret and "_FILE" not in rows[name]] == [], (
        "secrets that may come from a NAME_FILE should say so in the table"
    )


def test_the_first_two_commands_are_make_demo_and_make_test():
    assert commands(README.read_text())[:2] == [["make", "demo"], ["make", "test"]]


def test_ci_runs_make_test():
    run = ROOT / ".ci" / "run"
    assert os.access(run, os.X_OK)
    make_lines = [words for words in commands(f"```\n{run.read_text()}```\n") if "make" in words]
    assert [words[words.index("make") :] for words in make_lines] == [["make", "test"]]
