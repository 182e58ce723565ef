"""Unknown words in apt-get and pip commands: which could be options, and what ENV/ARG give them.

Issue 13 item 6: a variable in an operand (`-r ${APP_DIR}/requirements.txt`) must not switch a rule
off; only one that could supply the missing option (`$PIP_FLAGS`) makes the case unknown.
"""

from __future__ import annotations

import pytest

from dockerlint_django.shell.commands import (
    apt,
    expand_known,
    failure_fails_script,
    known_environment,
    names_operands,
    pip_install,
    shell_errexit,
)
from dockerlint_django.shell.syntax import Script, SimpleCommand, parse_script
from dockerlint_django.source import Mapped


def _script(text: str) -> Script:
    return parse_script(Mapped.from_source(text, 0))


def _command(text: str) -> SimpleCommand:
    return _script(text).commands[0]


def _hidden_pip(text: str, env: dict[str, str] | None = None) -> list[str]:
    pip = pip_install(_command(text), env)
    assert pip is not None
    return [w.raw.text for w in pip.hidden]


def _hidden_apt(text: str, env: dict[str, str] | None = None) -> list[str]:
    found = apt(_command(text), env)
    assert found is not None
    return [w.raw.text for w in found.hidden]


@pytest.mark.parametrize(
    ("name", "operands"),
    [
        ("PACKAGES", True),
        ("BUILD_DEPS", True),
        ("buildDeps", True),
        ("missing_chrome_deps", True),
        ("CODE_DIR", True),
        ("REQ_FILE", True),
        ("OPENWISP_MONITORING_SOURCE", True),
        ("APT_OPTS", False),
        ("PIP_FLAGS", False),
        ("PIP_INSTALL_ARGS", False),
        ("EXTRA_DEPS_FLAGS", False),
        ("X", False),
        ("STUFF", False),
    ],
)
def test_names_that_hold_operands(name: str, operands: bool) -> None:
    assert names_operands(name) is operands


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("pip install -r ${APP_DIR}/requirements.txt", []),  # the argument of -r
        ("pip install -r $REQS", []),
        ("pip install ${APP_DIR}/wheel.whl", []),  # literal text next to the variable
        ("pip install /wheels/*", []),
        ("pip install -e .[dev]", []),
        ('pip install --no-deps "$CODE_DIR"', []),  # named for a folder
        ("pip install --index-url=$INDEX gunicorn", []),  # --index-url's own value
        ("pip install $PIP_FLAGS -r requirements.txt", ["$PIP_FLAGS"]),
        ('pip install "$@"', ['"$@"']),
        ("pip install $(cat flags.txt) gunicorn", ["$(cat flags.txt)"]),
        ("pip install -$Q gunicorn", ["-$Q"]),
        ("pip install --$OPTION gunicorn", ["--$OPTION"]),
        ("pip $GLOBAL install gunicorn", ["$GLOBAL"]),
    ],
)
def test_pip_words_that_could_be_options(text: str, hidden: list[str]) -> None:
    assert _hidden_pip(text) == hidden


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("apt-get install $PACKAGES", []),
        ("apt-get install -y ${BUILD_DEPS}", []),
        ("apt-get install -y postgresql-$PG_MAJOR", []),
        ("apt-get install -t $RELEASE gettext", []),  # the release -t takes
        ("apt-get install $APT_OPTS gettext", ["$APT_OPTS"]),
        ("apt-get install -o $APT_SETTING gettext", ["$APT_SETTING"]),  # a setting says anything
        ("apt-get install -o$APT_SETTING gettext", ["-o$APT_SETTING"]),
        ("apt-get install --option=$APT_SETTING gettext", ["--option=$APT_SETTING"]),
    ],
)
def test_apt_words_that_could_be_options(text: str, hidden: list[str]) -> None:
    assert _hidden_apt(text) == hidden


def test_known_values_are_expanded_and_split() -> None:
    cmd = expand_known(
        _command("apt-get install $APT_FLAGS ${PKGS} gettext"), {"APT_FLAGS": "-y -q"}
    )
    assert [w.value for w in cmd.words] == ["apt-get", "install", "-y", "-q", None, "gettext"]
    found = apt(cmd)
    assert found is not None and not found.hidden


def test_quoted_value_stays_one_word() -> None:
    cmd = expand_known(_command('pip install "$SPEC"'), {"SPEC": "django >=4"})
    assert [w.value for w in cmd.words] == ["pip", "install", "django >=4"]


def test_empty_value_disappears_unless_quoted() -> None:
    words = expand_known(_command('pip install $NONE "$NONE" x'), {"NONE": ""}).words
    assert [w.value for w in words] == ["pip", "install", "", "x"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("${X:-d}", "v"),
        ("${E:-d}", "d"),
        ("${E-d}", ""),
        ("${X:+w}", "w"),
        ("${E:+w}", ""),
        ("${E+w}", "w"),
    ],
)
def test_default_and_alternative_forms(text: str, value: str) -> None:
    words = expand_known(_command(f'pip install "{text}"'), {"X": "v", "E": ""}).words
    assert words[2].value == value


@pytest.mark.parametrize(
    "text",
    [
        "pip install $UNSET",  # not defined by ENV or ARG: the base image may set it
        "pip install ${X#v}",  # pattern forms are not modelled
        "pip install $X*",  # the value would be globbed
        "pip install 'a'$X",
    ],
)
def test_what_is_not_expanded(text: str) -> None:
    cmd = _command(text)
    assert expand_known(cmd, {"X": "v"}).words[2].value is None


def test_environment_leaves_out_what_the_run_may_change() -> None:
    variables: dict[str, str | None] = {"A": "1", "B": "2", "C": None, "D": "4", "E": "5"}
    script = "B=3 && for D in x; do read E; done; pip install $A $B $C $D $E"
    commands = _script(script).commands
    assert known_environment(variables, commands, script) == {"A": "1"}


def test_environment_is_unknown_when_the_run_sources_a_file() -> None:
    script = ". /venv/bin/activate && pip install $A"
    assert known_environment({"A": "1"}, _script(script).commands, script) == {}


@pytest.mark.parametrize(
    ("shell", "known"),
    [
        (("/bin/sh", "-c"), True),
        (("/bin/bash", "-eo", "pipefail", "-c"), True),
        (("/bin/bash", "-lc"), False),  # a login shell reads /etc/profile first
        (("/bin/bash", "--login", "-c"), False),
        (("conda", "run", "-n", "app", "/bin/bash", "-c"), False),
    ],
)
def test_environment_under_a_shell(shell: tuple[str, ...], known: bool) -> None:
    script = "pip install $A"
    got = known_environment({"A": "1"}, _script(script).commands, script, shell)
    assert bool(got) is known


def test_bash_env_makes_bash_unknown() -> None:
    script = "pip install $A"
    variables: dict[str, str | None] = {"A": "1", "BASH_ENV": "/env.sh"}
    commands = _script(script).commands
    assert known_environment(variables, commands, script, ("/bin/bash", "-c")) == {}
    assert known_environment(variables, commands, script, ("/bin/sh", "-c"))["A"] == "1"


def _fails(text: str, errexit: bool = False) -> bool:
    script = _script(text)
    target = next(c for c in script.commands if c.name == "apt-get" and len(c.words) > 1)
    return failure_fails_script(script, target, errexit)


@pytest.mark.parametrize(
    ("text", "fails"),
    [
        ("apt-get install x", True),
        ("apt-get update && apt-get install x && rm -rf /var/lib/apt/lists/*", True),
        ("apt-get install x || exit 1; echo done", True),
        ("apt-get install x || false", True),
        ("set -e; apt-get install x; echo done", True),
        ("set -ex; apt-get install x; echo done", True),
        ("set -e; apt-get install x && echo ok; echo done", False),  # not the list's last
        ("set -e; set +e; apt-get install x; echo done", False),
        ("apt-get install x || true", False),
        ("apt-get install x; echo done", False),
        ("apt-get install x && echo ok || echo failed", False),
        ("if true; then apt-get install x; fi", False),
        ("apt-get install x | tee log", False),
        ("! apt-get install x", False),
    ],
)
def test_failure_fails_script(text: str, fails: bool) -> None:
    assert _fails(text) is fails


def test_errexit_from_the_shell() -> None:
    assert shell_errexit(("/bin/bash", "-eo", "pipefail", "-c"))
    assert shell_errexit(("/bin/sh", "-o", "errexit", "-c"))
    assert not shell_errexit(("/bin/sh", "-c"))
    assert not shell_errexit(None)
    assert _fails("apt-get install x; echo done", errexit=True)
