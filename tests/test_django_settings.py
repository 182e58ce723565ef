"""Django settings read by AST: locating the module, values, star-import chains, unknowns."""

# Settings snippets stay on one line each, as they would be written in a settings file.
# ruff: noqa: E501

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from dockerlint_django.readers.django_settings import (
    DjangoSettings,
    Setting,
    StaticPath,
    effective_staticfiles_backend,
    find_settings,
    load_settings,
    module_paths,
    read_settings,
    settings_module_from_manage,
    uses_manifest_storage,
)
from dockerlint_django.source import SourceError, SourceFile
from tests.conftest import CORPUS, HANDBOOK_TEMPLATE, ROOT

HANDBOOK = HANDBOOK_TEMPLATE / "{{cookiecutter.project_slug}}"
PACKAGE = ROOT / "fixtures" / "settings" / "package"

# ---------------------------------------------------------------------------------------------
# helpers


class Tree:
    """An in-memory build context. ``None`` content: a file that exists but cannot be read."""

    def __init__(self, files: Mapping[str, str | None], unknown: Iterable[str] = ()) -> None:
        self.files = {k: (textwrap.dedent(v) if v is not None else None) for k, v in files.items()}
        self.unknown = set(unknown)
        self.reads: list[str] = []

    def exists(self, path: str) -> bool | None:
        if path in self.unknown:
            return None
        return path in self.files

    def read(self, path: str) -> SourceFile | None:
        self.reads.append(path)
        text = self.files.get(path)
        return None if text is None else SourceFile.from_text(path, text)

    def list_dir(self, path: str) -> list[str]:
        prefix = f"{path}/" if path else ""
        return sorted({p[len(prefix) :].split("/")[0] for p in self.files if p.startswith(prefix)})


def disk(root: Path) -> Tree:
    return Tree({p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*.py")})


def settings_of(text: str, **extra: str | None) -> DjangoSettings:
    tree = Tree({"core/settings.py": text, **extra})
    return read_settings("core/settings.py", tree.read, exists=tree.exists)


def render(template: str, use_fathom: str) -> str:
    """Just enough of Jinja for the handbook's settings: ``{%-`` trims the whitespace before."""

    def block(m: re.Match[str]) -> str:
        return m.group(1) if use_fathom == "y" else ""

    text = re.sub(
        r'\s*\{%- if cookiecutter\.use_fathom == "y" %\}(.*?)\s*\{%- endif %\}',
        block,
        template,
        flags=re.S,
    )
    text = re.sub(r"\{\{ cookiecutter\.(\w+) \}\}", r"\1", text)
    assert "{%" not in text and "{{" not in text
    return text


def handbook_tree(use_fathom: str) -> Tree:
    return Tree(
        {
            "core/settings.py": render((HANDBOOK / "core" / "settings.py").read_text(), use_fathom),
            "manage.py": (HANDBOOK / "manage.py").read_text(),
            "core/__init__.py": "",
            "core/wsgi.py": (HANDBOOK / "core" / "wsgi.py").read_text(),
        }
    )


def known(setting: Setting[object] | Setting[str] | Setting[StaticPath] | Setting[bool]) -> object:
    assert setting.state == "known", setting
    return setting.value


# ---------------------------------------------------------------------------------------------
# the handbook's settings, both variants


@pytest.mark.parametrize("use_fathom", ["y", "n"])
def test_handbook_settings(use_fathom: str) -> None:
    tree = handbook_tree(use_fathom)
    found = load_settings(tree.exists, tree.read, settings_module=None, project_dir="")
    assert found is not None
    location, s = found
    assert location.path == "core/settings.py"
    assert location.module == "core.settings"
    assert location.found_by == "manage.py"
    assert location.origin is not None and location.origin.line == 10
    src = tree.read("manage.py")
    assert src is not None
    assert src.slice(location.origin.span) == '"core.settings"'

    assert s.error is None
    assert s.files == ("core/settings.py",)
    assert known(s.static_root) == StaticPath("project", "static")
    assert s.static_root.value is not None
    assert s.static_root.value.in_image("/workdir") == "/workdir/static"
    settings_src = tree.read("core/settings.py")
    assert settings_src is not None
    assert s.static_root.origin is not None
    assert settings_src.slice(s.static_root.origin.span) == 'STATIC_ROOT = BASE_DIR / "static"'
    assert known(s.wsgi_application) == "core.wsgi.application"
    # DEBUG = os.getenv("DEBUG", str(not production)) == "True": computed from the environment.
    assert s.debug.state == "unknown"
    assert s.reads_django_env
    assert {"DJANGO_ENV", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SENTRY_DSN"} <= s.env_vars
    assert s.staticfiles_storage.state == "unset"
    if use_fathom == "y":
        backend = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        assert known(s.staticfiles_backend) == backend
        assert s.staticfiles_backend.origin is not None
        assert settings_src.slice(s.staticfiles_backend.origin.span) == f'"{backend}"'
        assert uses_manifest_storage(s) is True
    else:
        assert s.staticfiles_backend.state == "unset"
        eff = effective_staticfiles_backend(s)
        assert known(eff) == "django.contrib.staticfiles.storage.StaticFilesStorage"
        assert uses_manifest_storage(s) is False


def test_render_helper_differs_between_variants() -> None:
    template = (HANDBOOK / "core" / "settings.py").read_text()
    y, n = render(template, "y"), render(template, "n")
    assert "ManifestStaticFilesStorage" in y and "ManifestStaticFilesStorage" not in n
    assert "STORAGES" not in n


# ---------------------------------------------------------------------------------------------
# finding the module


def test_env_module_wins_over_manage_py() -> None:
    tree = Tree(
        {
            "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "a.settings")\n',
            "a/settings.py": "",
            "b/settings/__init__.py": "",
        }
    )
    loc = find_settings(tree.exists, tree.read, settings_module="b.settings", project_dir="")
    assert loc is not None
    assert (loc.path, loc.module, loc.found_by) == (
        "b/settings/__init__.py",
        "b.settings",
        "DJANGO_SETTINGS_MODULE",
    )


def test_module_prefers_file_over_package() -> None:
    assert module_paths("core.settings", "app") == [
        "app/core/settings.py",
        "app/core/settings/__init__.py",
    ]
    assert module_paths("core.settings", "./") == [
        "core/settings.py",
        "core/settings/__init__.py",
    ]


def test_production_module_in_settings_package() -> None:
    tree = Tree(
        {"config/settings/__init__.py": "", "config/settings/production.py": "DEBUG = False\n"}
    )
    loc = find_settings(
        tree.exists, tree.read, settings_module="config.settings.production", project_dir=""
    )
    assert loc is not None and loc.path == "config/settings/production.py"


@pytest.mark.parametrize(
    "manage",
    [
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")\n',
        "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'web.settings'\n",
        "from os import environ\nenviron.setdefault('DJANGO_SETTINGS_MODULE', 'web.settings')\n",
        # The usual generated file: inside main(), behind a __name__ check.
        textwrap.dedent(
            """\
            import os, sys
            def main():
                os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'web.settings')
            if __name__ == '__main__':
                main()
            """
        ),
    ],
)
def test_manage_py_forms(manage: str) -> None:
    tree = Tree({"src/manage.py": manage, "src/web/settings.py": ""})
    loc = find_settings(tree.exists, tree.read, settings_module=None, project_dir="src")
    assert loc is not None
    assert (loc.path, loc.module, loc.found_by) == (
        "src/web/settings.py",
        "web.settings",
        "manage.py",
    )


@pytest.mark.parametrize(
    "manage",
    [
        # Computed, or two different modules: no way to tell which one runs.
        'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "web." + "settings")\n',
        textwrap.dedent(
            """\
            import os, sys
            if "test" in sys.argv:
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.test_settings")
            else:
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
            """
        ),
        "def broken(:\n",
    ],
)
def test_manage_py_without_a_single_literal_module(manage: str) -> None:
    tree = Tree({"manage.py": manage, "web/settings.py": ""})
    assert find_settings(tree.exists, tree.read, settings_module=None, project_dir="") is None
    # With a directory listing, the search still finds the one settings file.
    loc = find_settings(
        tree.exists, tree.read, settings_module=None, project_dir="", list_dir=tree.list_dir
    )
    assert loc is not None and (loc.path, loc.found_by) == ("web/settings.py", "search")


def test_search_one_level_down() -> None:
    tree = Tree({"proj/settings/__init__.py": "", "docs/conf.py": "", "requirements.txt": ""})
    loc = find_settings(
        tree.exists, tree.read, settings_module=None, project_dir="", list_dir=tree.list_dir
    )
    assert loc is not None
    assert (loc.path, loc.module) == ("proj/settings/__init__.py", "proj.settings")
    two = Tree({"a/settings.py": "", "b/settings.py": ""})
    assert (
        find_settings(
            two.exists, two.read, settings_module=None, project_dir="", list_dir=two.list_dir
        )
        is None
    )
    # Without a listing there is nothing to search.
    assert find_settings(tree.exists, tree.read, settings_module=None, project_dir="") is None


def test_missing_and_unknown_module_files() -> None:
    tree = Tree({"manage.py": ""}, unknown={"x/settings.py"})
    # Known absent in both forms: not here (perhaps installed), so nothing to read.
    assert (
        find_settings(tree.exists, tree.read, settings_module="y.settings", project_dir="") is None
    )
    # Existence unknown: the file is the best guess, and reading it will tell.
    loc = find_settings(tree.exists, tree.read, settings_module="x.settings", project_dir="")
    assert loc is not None and loc.path == "x/settings.py"


@pytest.mark.parametrize("module", ["$SETTINGS", "core.settings.${ENV}", "", "a..b", "1x.settings"])
def test_unusable_env_module(module: str) -> None:
    tree = Tree({"core/settings.py": ""})
    assert find_settings(tree.exists, tree.read, settings_module=module, project_dir="") is None


def test_settings_module_from_manage_span() -> None:
    src = SourceFile.from_text(
        "manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'é.settings')\n"
    )
    got = settings_module_from_manage(src)
    assert got is not None
    module, origin = got
    assert module == "é.settings"
    assert src.slice(origin.span) == "'é.settings'"


def test_corpus_settings_modules_map_to_paths() -> None:
    """DJANGO_SETTINGS_MODULE values the corpus images really set map to the files Django imports."""
    if not (CORPUS / "files").is_dir():
        pytest.skip("../shared/corpus is not present")
    # Whole literal names only: ``x.settings.${ENV}`` is for the caller to expand first.
    pattern = re.compile(
        r"DJANGO_SETTINGS_MODULE[= ]+[\"']?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?=[\"'\s]|$)", re.M
    )
    modules = set()
    for path in (CORPUS / "files").rglob("*Dockerfile*"):
        modules.update(pattern.findall(path.read_text(errors="replace")))
    assert len(modules) >= 5
    for module in modules:
        paths = module_paths(module)
        stem = module.replace(".", "/")
        assert paths == [f"{stem}.py", f"{stem}/__init__.py"]
        tree = Tree({paths[1]: "STATIC_ROOT = '/static'\n"})
        loc = find_settings(tree.exists, tree.read, settings_module=module, project_dir="")
        assert loc is not None and loc.path == paths[1]


# ---------------------------------------------------------------------------------------------
# BASE_DIR and STATIC_ROOT


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            'BASE_DIR = Path(__file__).resolve().parent.parent\nSTATIC_ROOT = BASE_DIR / "static"',
            ("project", "static"),
        ),
        (
            'BASE_DIR = Path(__file__).resolve().parent.parent\nSTATIC_ROOT = str(BASE_DIR / "x")',
            ("project", "x"),
        ),
        (
            "BASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n"
            'STATIC_ROOT = os.path.join(BASE_DIR, "static")',
            ("project", "static"),
        ),
        (
            'BASE_DIR = Path(__file__).resolve().parent.parent\nSTATIC_ROOT = f"{BASE_DIR}/static"',
            ("project", "static"),
        ),
        (
            'BASE_DIR = Path(__file__).resolve().parent.parent\nSTATIC_ROOT = BASE_DIR / "a" / "b/"',
            ("project", "a/b"),
        ),
        (
            'BASE_DIR = Path(__file__).resolve().parents[1]\nSTATIC_ROOT = BASE_DIR.joinpath("s")',
            ("project", "s"),
        ),
        # BASE_DIR one level too high or too low: the in-image path says so.
        (
            'BASE_DIR = Path(__file__).resolve().parent\nSTATIC_ROOT = BASE_DIR / "static"',
            ("project", "core/static"),
        ),
        (
            'BASE_DIR = Path(__file__).resolve().parent.parent.parent\nSTATIC_ROOT = BASE_DIR / "static"',
            ("project", "../static"),
        ),
        ('STATIC_ROOT = "/var/www/static/"', ("absolute", "/var/www/static")),
        ('STATIC_ROOT = Path("/srv") / "static"', ("absolute", "/srv/static")),
        ('STATIC_ROOT = os.path.join(BASE_DIR, "/abs/static")', ("absolute", "/abs/static")),
        ('STATIC_ROOT = "staticfiles"', ("cwd", "staticfiles")),
        ('ROOT = "/app"\nSTATIC_ROOT = ROOT + "/static"', ("absolute", "/app/static")),
        (
            'from os.path import join, dirname\nBASE_DIR = dirname(dirname(__file__))\nSTATIC_ROOT = join(BASE_DIR, "st")',
            ("project", "st"),
        ),
        (
            'import pathlib as pl\nSTATIC_ROOT = pl.Path(__file__).parent.parent / "static"',
            ("project", "static"),
        ),
    ],
)
def test_static_root_forms(lines: str, expected: tuple[str, str]) -> None:
    s = settings_of("import os\nfrom pathlib import Path\n" + lines + "\n")
    assert s.error is None
    assert known(s.static_root) == StaticPath(expected[0], expected[1])  # type: ignore[arg-type]


def test_static_root_in_image() -> None:
    assert StaticPath("project", "static").in_image("/workdir") == "/workdir/static"
    assert StaticPath("project", "../static").in_image("/app/src") == "/app/static"
    assert StaticPath("project", "").in_image("/app") == "/app"
    assert StaticPath("absolute", "/srv/s").in_image("/app") == "/srv/s"
    assert StaticPath("cwd", "s").in_image("/app") is None
    assert StaticPath("cwd", "s").in_image("/app", cwd="/w") == "/w/s"
    assert StaticPath("project", "static").in_image("relative") is None


@pytest.mark.parametrize(
    "lines",
    [
        'STATIC_ROOT = f"{BASE_DIR}static"',  # glued onto the last name
        "STATIC_ROOT = BASE_DIR / SUBDIR",  # SUBDIR never defined here
        'STATIC_ROOT = "%s/static" % BASE_DIR',
        'STATIC_ROOT = f"{BASE_DIR!r}/static"',
        'STATIC_ROOT = BASE_DIR / "static" if production else "/srv/static"',
        "STATIC_ROOT = compute()",
    ],
)
def test_static_root_not_computable(lines: str) -> None:
    s = settings_of(
        "import os\nfrom pathlib import Path\nproduction = os.getenv('DJANGO_ENV') == 'production'\n"
        "BASE_DIR = Path(__file__).resolve().parent.parent\n" + lines + "\n"
    )
    assert s.static_root.state == "unknown"
    assert s.static_root.value is None


def test_static_root_from_environment_keeps_its_default() -> None:
    s = settings_of(
        """\
        import os
        from pathlib import Path
        BASE_DIR = Path(__file__).resolve().parent.parent
        STATIC_ROOT = os.getenv("STATIC_ROOT", BASE_DIR / "static")
        """
    )
    assert s.static_root.state == "unknown"
    assert s.static_root.env == "STATIC_ROOT"
    assert s.static_root_default == StaticPath("project", "static")
    assert s.static_root.origin is not None and s.static_root.origin.line == 4


@pytest.mark.parametrize(
    ("expr", "env", "default"),
    [
        (
            'os.environ.get("STATIC_DIR", "/srv/static")',
            "STATIC_DIR",
            StaticPath("absolute", "/srv/static"),
        ),
        ('os.environ["STATIC_DIR"]', "STATIC_DIR", None),
        (
            'env("STATIC_DIR", default="/srv/static")',
            "STATIC_DIR",
            StaticPath("absolute", "/srv/static"),
        ),
        # django-environ's second positional argument is the cast, not the default.
        ('env.str("STATIC_DIR", str)', "STATIC_DIR", None),
        (
            'config("STATIC_DIR", default=str(BASE_DIR / "s"))',
            "STATIC_DIR",
            StaticPath("project", "s"),
        ),
    ],
)
def test_static_root_env_readers(expr: str, env: str, default: StaticPath | None) -> None:
    s = settings_of(
        "import os\nimport environ\nfrom decouple import config\nfrom pathlib import Path\n"
        "env = environ.Env()\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
        f"STATIC_ROOT = {expr}\n"
    )
    assert s.static_root.state == "unknown"
    assert s.static_root.env == env
    assert s.static_root_default == default
    assert env in s.env_vars


def test_static_root_unset_and_none() -> None:
    assert settings_of("DEBUG = False\n").static_root == Setting("unset")
    none = settings_of("STATIC_ROOT = None\n").static_root
    assert none.state == "known" and none.value is None


def test_later_assignment_wins() -> None:
    s = settings_of('STATIC_ROOT = "/a"\nSTATIC_ROOT = "/b"\n')
    assert known(s.static_root) == StaticPath("absolute", "/b")
    assert s.static_root.origin is not None and s.static_root.origin.line == 2


# ---------------------------------------------------------------------------------------------
# storages


WHITENOISE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.parametrize(
    ("text", "backend", "manifest"),
    [
        (f'STORAGES = {{"staticfiles": {{"BACKEND": "{WHITENOISE}"}}}}', WHITENOISE, True),
        (
            'STORAGES = {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"}}',
            "whitenoise.storage.CompressedStaticFilesStorage",
            False,
        ),
        (
            'STORAGES = {"staticfiles": {"BACKEND": "storages.backends.s3.S3Storage"}}',
            "storages.backends.s3.S3Storage",
            False,
        ),
        (
            'STORAGES = {"staticfiles": {"BACKEND": "storages.backends.s3boto3.S3ManifestStaticStorage"}}',
            "storages.backends.s3boto3.S3ManifestStaticStorage",
            True,
        ),
        # Merged into a copy of Django's defaults.
        (
            "from django.conf import global_settings\n"
            f'STORAGES = {{**global_settings.STORAGES, "staticfiles": {{"BACKEND": "{WHITENOISE}"}}}}',
            WHITENOISE,
            True,
        ),
        # Set after the literal, key by key.
        (
            'STORAGES = {"default": {"BACKEND": "x"}, "staticfiles": {"BACKEND": "y"}}\n'
            f'STORAGES["staticfiles"]["BACKEND"] = "{WHITENOISE}"',
            WHITENOISE,
            True,
        ),
        (
            'STORAGES = {"default": {"BACKEND": "x"}}\n'
            f'STORAGES["staticfiles"] = {{"BACKEND": "{WHITENOISE}"}}',
            WHITENOISE,
            True,
        ),
        (f'STORAGES = dict(staticfiles={{"BACKEND": "{WHITENOISE}"}})', WHITENOISE, True),
    ],
)
def test_storages_backend(text: str, backend: str, manifest: bool) -> None:
    s = settings_of(text + "\n")
    assert known(s.staticfiles_backend) == backend
    assert uses_manifest_storage(s) is manifest


def test_storages_backend_span_points_at_the_value() -> None:
    text = (
        f'STORAGES = {{\n    "staticfiles": {{\n        "BACKEND": "{WHITENOISE}",\n    }},\n}}\n'
    )
    tree = Tree({"s.py": text})
    s = read_settings("s.py", tree.read)
    assert s.staticfiles_backend.origin is not None
    assert s.staticfiles_backend.origin.line == 3
    src = tree.read("s.py")
    assert src is not None
    assert src.slice(s.staticfiles_backend.origin.span) == f'"{WHITENOISE}"'


@pytest.mark.parametrize(
    "text",
    [
        # An unknown ** after the key may replace it.
        f'STORAGES = {{"staticfiles": {{"BACKEND": "{WHITENOISE}"}}, **EXTRA}}',
        "STORAGES = {**EXTRA}",
        f'STORAGES = {{"staticfiles": {{"BACKEND": "{WHITENOISE}"}}}}\nSTORAGES.update(EXTRA)',
        'STORAGES = {"staticfiles": {"BACKEND": os.getenv("STATIC_BACKEND", "x")}}',
        "STORAGES = make_storages()",
        f'STORAGES = {{"staticfiles": {{"BACKEND": "{WHITENOISE}"}}}}\nfor k in X:\n    STORAGES[k] = {{}}',
    ],
)
def test_storages_backend_unknown(text: str) -> None:
    s = settings_of("import os\n" + text + "\n")
    assert s.staticfiles_backend.state == "unknown"
    assert uses_manifest_storage(s) is None


def test_storages_without_staticfiles_is_not_manifest() -> None:
    s = settings_of(
        'STORAGES = {"default": {"BACKEND": "x"}}\nSTATICFILES_STORAGE = "a.Manifest"\n'
    )
    assert s.staticfiles_backend.state == "unset"
    # STORAGES replaces the legacy setting whole.
    assert effective_staticfiles_backend(s).state == "unset"
    assert uses_manifest_storage(s) is False


def test_storages_key_after_unknown_unpack_is_known() -> None:
    s = settings_of(f'STORAGES = {{**EXTRA, "staticfiles": {{"BACKEND": "{WHITENOISE}"}}}}\n')
    assert known(s.staticfiles_backend) == WHITENOISE


@pytest.mark.parametrize(
    ("value", "manifest"),
    [
        ("django.contrib.staticfiles.storage.ManifestStaticFilesStorage", True),
        (WHITENOISE, True),
        ("django.contrib.staticfiles.storage.StaticFilesStorage", False),
        ("pipeline.storage.PipelineManifestStorage", True),
    ],
)
def test_legacy_staticfiles_storage(value: str, manifest: bool) -> None:
    s = settings_of(f'STATICFILES_STORAGE = "{value}"\n')
    assert s.staticfiles_backend.state == "unset"
    assert known(s.staticfiles_storage) == value
    assert known(effective_staticfiles_backend(s)) == value
    assert uses_manifest_storage(s) is manifest


def test_legacy_staticfiles_storage_from_env() -> None:
    s = settings_of('import os\nSTATICFILES_STORAGE = os.getenv("STORAGE", "x.Y")\n')
    assert s.staticfiles_storage.state == "unknown"
    assert s.staticfiles_storage.default == "x.Y"
    assert uses_manifest_storage(s) is None


# ---------------------------------------------------------------------------------------------
# custom storage classes


CUSTOM = {
    "core/settings.py": 'STORAGES = {"staticfiles": {"BACKEND": "core.storage.Static"}}\n',
}


@pytest.mark.parametrize(
    ("storage", "manifest"),
    [
        (
            "from django.contrib.staticfiles.storage import ManifestStaticFilesStorage\n"
            "class Static(ManifestStaticFilesStorage):\n    pass\n",
            True,
        ),
        (
            "from django.contrib.staticfiles import storage\n"
            "class Static(storage.ManifestFilesMixin, storage.StaticFilesStorage):\n    pass\n",
            True,
        ),
        (
            "from django.contrib.staticfiles.storage import StaticFilesStorage\n"
            "class Static(StaticFilesStorage):\n    pass\n",
            False,
        ),
        # Through a class of the same module, then through a sibling module.
        (
            f"from whitenoise.storage import {WHITENOISE.rsplit('.', 1)[1]} as W\n"
            "class Base(W):\n    pass\nclass Static(Base):\n    pass\n",
            True,
        ),
        ("from .hashing import Hashed\nclass Static(Hashed):\n    pass\n", True),
        ("from core.hashing import Hashed as Static\n", True),
        ("from somewhere import Thing\nclass Static(Thing):\n    pass\n", None),
        ("class Other:\n    pass\n", None),
        ("class Static(:\n", None),
    ],
)
def test_custom_storage_class(storage: str, manifest: bool | None) -> None:
    tree = Tree(
        {
            **CUSTOM,
            "core/storage.py": storage,
            "core/hashing.py": (
                "from django.contrib.staticfiles.storage import ManifestStaticFilesStorage\n"
                "class Hashed(ManifestStaticFilesStorage):\n    pass\n"
            ),
        }
    )
    s = read_settings("core/settings.py", tree.read)
    assert uses_manifest_storage(s, tree.read, exists=tree.exists) is manifest


def test_custom_storage_class_unreadable() -> None:
    tree = Tree({**CUSTOM, "core/storage.py": None})
    s = read_settings("core/settings.py", tree.read)
    assert uses_manifest_storage(s, tree.read) is None
    # Without a read callback the class cannot be looked at at all.
    assert uses_manifest_storage(s) is None


# ---------------------------------------------------------------------------------------------
# WSGI_APPLICATION, DEBUG, DJANGO_ENV


@pytest.mark.parametrize(
    ("text", "state", "value"),
    [
        ("DEBUG = True", "known", True),
        ("DEBUG = False", "known", False),
        ("DEBUG = not True", "known", False),
        ('DEBUG = os.getenv("DEBUG") == "True"', "unknown", None),
        ('DEBUG = os.environ.get("DEBUG", "0") == "1"', "unknown", None),
        ('DEBUG = bool(os.getenv("DEBUG"))', "unknown", None),
        ("X = 1", "unset", None),
    ],
)
def test_debug(text: str, state: str, value: bool | None) -> None:
    s = settings_of("import os\n" + text + "\n")
    assert (s.debug.state, s.debug.value) == (state, value)


def test_wsgi_application() -> None:
    assert known(
        settings_of('WSGI_APPLICATION = "config.wsgi.application"\n').wsgi_application
    ) == ("config.wsgi.application")
    assert settings_of("X = 1\n").wsgi_application.state == "unset"
    s = settings_of('WSGI_APPLICATION = f"{NAME}.wsgi.application"\n')
    assert s.wsgi_application.state == "unknown"


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ('production = os.getenv("DJANGO_ENV") == "production"', True),
        ('production = os.environ.get("DJANGO_ENV", "dev") == "production"', True),
        ('production = os.environ["DJANGO_ENV"] == "production"', True),
        ('production = "DJANGO_ENV" in os.environ', True),
        ('ENV = "DJANGO_ENV"', False),
        ('production = os.getenv("ENVIRONMENT") == "production"', False),
    ],
)
def test_reads_django_env(text: str, reads: bool) -> None:
    assert settings_of("import os\n" + text + "\n").reads_django_env is reads


# ---------------------------------------------------------------------------------------------
# conditions


@pytest.mark.parametrize(
    ("text", "state"),
    [
        # Both branches agree.
        ('if production:\n    STATIC_ROOT = "/s"\nelse:\n    STATIC_ROOT = "/s"', "known"),
        ('if production:\n    STATIC_ROOT = "/s"\nelse:\n    STATIC_ROOT = "/t"', "unknown"),
        ('STATIC_ROOT = "/s"\nif production:\n    STATIC_ROOT = "/t"', "unknown"),
        ('if production:\n    STATIC_ROOT = "/s"', "unknown"),
        # A branch that raises does not complete: the other one is what runs.
        (
            'if production:\n    STATIC_ROOT = "/s"\nelse:\n    raise ImproperlyConfigured("x")',
            "known",
        ),
        # A condition the reader can decide.
        (
            'DEBUG = False\nif DEBUG:\n    STATIC_ROOT = "/t"\nelse:\n    STATIC_ROOT = "/s"',
            "known",
        ),
        ('STATIC_ROOT = "/s" if True else "/t"', "known"),
        ('try:\n    STATIC_ROOT = "/s"\nexcept Exception:\n    STATIC_ROOT = "/t"', "unknown"),
        ('STATIC_ROOT = "/s"\nwhile production:\n    STATIC_ROOT = "/t"', "unknown"),
        ('STATIC_ROOT = "/s"\nwith open("x") as fh:\n    pass', "known"),
        (
            'STATIC_ROOT = "/x"\nmatch production:\n    case True:\n        STATIC_ROOT = "/s"',
            "unknown",
        ),
        (
            'match production:\n    case True:\n        STATIC_ROOT = "/s"\n    case _:\n        STATIC_ROOT = "/s"',
            "known",
        ),
        ('STATIC_ROOT = "/s"\nglobals().update(load())', "unknown"),
        ('STATIC_ROOT = "/s"\ndef STATIC_ROOT():\n    pass', "unknown"),
        ('STATIC_ROOT = "/s"\ndel STATIC_ROOT', "unset"),
    ],
)
def test_conditional_assignments(text: str, state: str) -> None:
    s = settings_of(
        "import os\nproduction = os.getenv('DJANGO_ENV') == 'production'\n" + text + "\n"
    )
    assert s.static_root.state == state
    if state == "known":
        assert s.static_root.value == StaticPath("absolute", "/s")


def test_conditional_storages_from_branches() -> None:
    both = f'STORAGES = {{"staticfiles": {{"BACKEND": "{WHITENOISE}"}}}}'
    s = settings_of(f"import os\nif os.getenv('X'):\n    {both}\nelse:\n    {both}\n")
    assert known(s.staticfiles_backend) == WHITENOISE
    one = settings_of(f"import os\nif os.getenv('X'):\n    {both}\n")
    assert one.staticfiles_backend.state == "unknown"
    assert uses_manifest_storage(one) is None


# ---------------------------------------------------------------------------------------------
# star-import chains


def test_settings_package_fixture() -> None:
    tree = disk(PACKAGE)
    found = load_settings(tree.exists, tree.read, settings_module=None, project_dir="")
    assert found is not None
    location, s = found
    assert location.path == "config/settings/production.py"
    assert location.module == "config.settings.production"
    assert s.error is None
    assert s.files == ("config/settings/production.py", "config/settings/base.py")
    # base.py is three levels below the root, and says .parent three times.
    assert known(s.static_root) == StaticPath("project", "staticfiles")
    assert (
        s.static_root.origin is not None and s.static_root.origin.path == "config/settings/base.py"
    )
    assert known(s.debug) is False
    assert known(s.wsgi_application) == "config.wsgi.application"
    assert known(s.staticfiles_backend) == "config.storage.HashedStorage"
    assert s.staticfiles_backend.origin is not None
    assert s.staticfiles_backend.origin.path == "config/settings/production.py"
    assert "DJANGO_SECRET_KEY" in s.env_vars
    assert not s.reads_django_env
    # The custom class subclasses WhiteNoise's manifest storage under an alias.
    assert uses_manifest_storage(s, tree.read, exists=tree.exists) is True
    assert uses_manifest_storage(s) is None


def test_settings_package_with_local_overrides() -> None:
    tree = disk(PACKAGE)
    tree.files["config/settings/local.py"] = 'STATIC_ROOT = "/srv/static"\n'
    s = read_settings("config/settings/production.py", tree.read, exists=tree.exists)
    assert known(s.static_root) == StaticPath("absolute", "/srv/static")


def test_optional_import_without_exists_is_unknown() -> None:
    # Without ``exists`` an unreadable .local may be absent or not: names it could set are unknown.
    tree = disk(PACKAGE)
    s = read_settings("config/settings/production.py", tree.read)
    assert s.static_root.state == "unknown"
    assert s.debug.state == "unknown"


def test_unreadable_base() -> None:
    tree = Tree(
        {
            "core/settings/production.py": 'from .base import *\nDEBUG = False\nSTATIC_ROOT = "/s"\n',
            "core/settings/base.py": None,
        }
    )
    s = read_settings("core/settings/production.py", tree.read, exists=tree.exists)
    assert known(s.debug) is False
    assert known(s.static_root) == StaticPath("absolute", "/s")
    # Not set in the child: whatever the base says, which nobody can read.
    assert s.wsgi_application.state == "unknown"
    assert s.staticfiles_backend.state == "unknown"
    assert s.wsgi_application.origin is not None and s.wsgi_application.origin.line == 1
    assert uses_manifest_storage(s) is None


def test_absent_base_outside_try_is_unknown() -> None:
    tree = Tree({"core/settings.py": "from .base import *\n"})
    s = read_settings("core/settings.py", tree.read, exists=tree.exists)
    assert s.static_root.state == "unknown"


def test_chain_child_overrides_and_mutates_base() -> None:
    tree = Tree(
        {
            "p/settings/base.py": f"""\
                from pathlib import Path
                BASE_DIR = Path(__file__).resolve().parent.parent.parent
                STATIC_ROOT = BASE_DIR / "static"
                STORAGES = {{"default": {{"BACKEND": "d"}}, "staticfiles": {{"BACKEND": "{WHITENOISE}"}}}}
                WSGI_APPLICATION = "p.wsgi.application"
                _private = 1
                """,
            "p/settings/prod.py": """\
                from .base import *
                STATIC_ROOT = BASE_DIR / "collected"
                STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
                """,
        }
    )
    s = read_settings("p/settings/prod.py", tree.read, exists=tree.exists)
    assert known(s.static_root) == StaticPath("project", "collected")
    assert known(s.wsgi_application) == "p.wsgi.application"
    assert uses_manifest_storage(s) is False
    # The base read alone still says manifest: the chain did not change it in place.
    base = read_settings("p/settings/base.py", tree.read)
    assert uses_manifest_storage(base) is True


def test_absolute_star_import_and_parent_package() -> None:
    tree = Tree(
        {
            "src/proj/common.py": 'STATIC_ROOT = "/common"\nDEBUG = True\n',
            "src/proj/settings/__init__.py": "from proj.common import *\nfrom ..extra import *\n",
            "src/proj/extra.py": "DEBUG = False\n",
        }
    )
    s = read_settings(
        "src/proj/settings/__init__.py", tree.read, project_dir="src", exists=tree.exists
    )
    assert known(s.static_root) == StaticPath("absolute", "/common")
    assert known(s.debug) is False


def test_named_import_from_base() -> None:
    tree = Tree(
        {
            "c/base.py": 'STATIC_ROOT = "/b"\n',
            "c/settings.py": "from .base import STATIC_ROOT as STATIC_ROOT\nfrom .base import MISSING as DEBUG\n",
        }
    )
    s = read_settings("c/settings.py", tree.read)
    assert known(s.static_root) == StaticPath("absolute", "/b")
    assert s.debug.state == "unknown"


def test_absolute_named_import_of_a_setting_is_unknown() -> None:
    s = settings_of(
        "from config.common import STATIC_ROOT, DEBUG as DEBUG\nfrom pathlib import Path\n"
    )
    assert s.static_root.state == "unknown"
    assert s.debug.state == "unknown"


def test_star_import_cycle_terminates() -> None:
    tree = Tree(
        {"c/a.py": "from .b import *\nX = 1\n", "c/b.py": "from .a import *\nDEBUG = True\n"}
    )
    s = read_settings("c/a.py", tree.read)
    # b sees a half-run a, which the reader treats as unreadable; DEBUG still comes through.
    assert known(s.debug) is True


# ---------------------------------------------------------------------------------------------
# errors


def test_syntax_error_reported_with_line() -> None:
    s = settings_of('DEBUG = False\nSTATIC_ROOT = "/s"\nif x\n    pass\n')
    assert s.error is not None
    assert (s.error.path, s.error.line) == ("core/settings.py", 3)
    assert "syntax error" in s.error.message
    assert str(s.error).startswith("core/settings.py:3: syntax error")
    assert s.static_root.state == "unknown" and s.debug.state == "unknown"
    assert uses_manifest_storage(s) is None


def test_syntax_error_in_base_is_reported() -> None:
    tree = Tree(
        {"c/s.py": "from .base import *\nDEBUG = False\n", "c/base.py": "\n\nSTATIC_ROOT = (\n"}
    )
    s = read_settings("c/s.py", tree.read)
    assert s.error is not None and s.error.path == "c/base.py" and s.error.line == 3
    assert known(s.debug) is False
    assert s.static_root.state == "unknown"


def test_unreadable_settings_file() -> None:
    tree = Tree({"core/settings.py": None})
    s = read_settings("core/settings.py", tree.read)
    assert s.error is not None and s.error.line == 0 and "cannot read" in s.error.message
    assert s.static_root.state == "unknown"
    assert s.files == ()


def test_read_callback_raising_source_error() -> None:
    def read(path: str) -> SourceFile | None:
        raise SourceError("not valid UTF-8 (byte 12)", 2)

    s = read_settings("core/settings.py", read)
    assert s.error is not None and (s.error.line, s.error.message) == (
        2,
        "not valid UTF-8 (byte 12)",
    )


@pytest.mark.parametrize(
    "text",
    [
        "x = (" * 300 + ")" * 300,  # deep nesting
        "\x00",
        "STATIC_ROOT = " + " / ".join(['"a"'] * 50),
        "STATIC_ROOT = b'/bytes'",
        "STATIC_ROOT = 'a' 'b'\nx: int\nassert x\nglobal y\n",
        "a, *b = 1, 2, 3\n(c, d) = STATIC\nx[0].y = 1\nos.environ['A'] = 'b'\n",
    ],
)
def test_odd_inputs_never_raise(text: str) -> None:
    s = settings_of(text)
    assert s.path == "core/settings.py"


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = "import sys, dockerlint_django.readers.django_settings; print(sorted(m for m in ('dataclasses', 'inspect') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
