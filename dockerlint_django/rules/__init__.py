"""The rule registry: one table from code to module, the single source of truth.

Codes are never reused. A removed rule stays in ``REMOVED`` so that selecting it explains itself.
What a run needs to know of a rule before it runs it (its name, whether it is on by default, the
hadolint and BuildKit names that suppress it) is in ``_index``, generated from the modules: a run
imports only the rules it runs, and choosing them imports none.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
from functools import cache
from typing import TYPE_CHECKING

from dockerlint_django._record import LazyPattern
from dockerlint_django.rules import _index

if TYPE_CHECKING:
    from dockerlint_django.rules._base import Rule, RuleMeta

CODES: dict[str, str] = {
    "DJ001": "dj001_shell_form_server_command",
    "DJ002": "dj002_shell_wrapper_without_exec",
    "DJ003": "dj003_entrypoint_script_missing_exec",
    "DJ004": "dj004_exec_form_unexpanded_variable",
    "DJ005": "dj005_compose_command_shell_syntax",
    "DJ006": "dj006_stop_signal_not_graceful",
    "DJ007": "dj007_stop_grace_shorter_than_graceful_timeout",
    "DJ010": "dj010_gunicorn_workers_hardcoded",
    "DJ011": "dj011_web_concurrency_missing",
    "DJ012": "dj012_worker_count_invalid",
    "DJ013": "dj013_gunicorn_threads_missing",
    "DJ014": "dj014_gunicorn_threads_high",
    "DJ015": "dj015_gunicorn_worker_class_invalid",
    "DJ016": "dj016_workers_override_ineffective",
    "DJ017": "dj017_compose_workers_not_set",
    "DJ018": "dj018_gunicorn_cmd_args_baked_in_image",
    "DJ020": "dj020_server_bind_not_reachable",
    "DJ021": "dj021_expose_port_mismatch",
    "DJ022": "dj022_gunicorn_worker_tmp_dir",
    "DJ023": "dj023_gunicorn_proc_name_missing",
    "DJ024": "dj024_proc_name_without_setproctitle",
    "DJ025": "dj025_gunicorn_control_socket",
    "DJ026": "dj026_gunicorn_reload_in_image",
    "DJ027": "dj027_runserver_in_container",
    "DJ028": "dj028_compose_command_drops_image_options",
    "DJ030": "dj030_final_stage_runs_as_root",
    "DJ031": "dj031_user_without_group",
    "DJ032": "dj032_useradd_without_no_log_init",
    "DJ033": "dj033_copy_without_chown",
    "DJ034": "dj034_build_step_cannot_write",
    "DJ035": "dj035_unknown_user_or_group",
    "DJ036": "dj036_pip_install_as_non_root",
    "DJ037": "dj037_redundant_user_switch",
    "DJ038": "dj038_compose_user_root",
    "DJ040": "dj040_staticfiles_manifest_missing",
    "DJ041": "dj041_collectstatic_without_noinput",
    "DJ042": "dj042_compilemessages_without_gettext",
    "DJ043": "dj043_django_env_not_production",
    "DJ044": "dj044_debug_enabled",
    "DJ045": "dj045_secret_key_in_image",
    "DJ046": "dj046_compose_literal_secret",
    "DJ047": "dj047_dev_requirements_in_image",
    "DJ048": "dj048_migrate_at_startup",
    "DJ049": "dj049_cookiecutter_placeholder_left",
    "DJ050": "dj050_compose_port_target_mismatch",
    "DJ051": "dj051_localhost_service_url",
    "DJ052": "dj052_host_gateway_missing",
    "DJ053": "dj053_bind_mount_target_not_created",
    "DJ054": "dj054_dockerignore_missing_secrets",
    "DJ055": "dj055_compose_or_env_in_app_repo",
    "DJ056": "dj056_env_var_name_typo",
    "DJ060": "dj060_python_base_image_variant",
    "DJ061": "dj061_static_image_not_unprivileged",
    "DJ062": "dj062_nginx_unprivileged_listen_port",
    "DJ063": "dj063_nginx_server_tokens",
    "DJ064": "dj064_workdir_convention",
    "DJ101": "dj101_apt_install_recommends",
    "DJ102": "dj102_apt_lists_not_removed",
    "DJ103": "dj103_apt_update_alone",
    "DJ104": "dj104_apt_get_without_yes",
    "DJ105": "dj105_pip_cache_not_disabled",
    "DJ106": "dj106_source_copied_before_dependencies",
    "DJ107": "dj107_add_instead_of_copy",
    "DJ108": "dj108_from_as_casing",
    "DJ109": "dj109_apt_instead_of_apt_get",
    "DJ110": "dj110_copy_ignored_file",
    "DJ111": "dj111_compose_port_unquoted",
    "DJ900": "dj900_parse_error",
    "DJ901": "dj901_unused_suppression",
    "DJ902": "dj902_rule_crashed",
    "DJ903": "dj903_skipped_input",
}

# Codes produced by the engine itself rather than by a check over the model.
META_CODES = frozenset({"DJ900", "DJ901", "DJ902", "DJ903"})

REMOVED: dict[str, str] = {}

# The configuration's own rules (its `policy:` entries), by id, put here when a configuration
# that has them is read: reports and suppressions find them as they find the built-in ones.
POLICY: dict[str, Rule] = {}


def register_policy(rules: Collection[Rule]) -> None:
    for rule in rules:
        POLICY[rule.meta.code] = rule


# Suppression pragmas take codes of letters then digits (`ignore=ORG001`); DJ and DL are ours and
# hadolint's, SC ShellCheck's.
POLICY_ID = LazyPattern(r"[A-Z]{2,10}[0-9]{1,6}")
POLICY_RESERVED = ("DJ", "DL", "SC")


def is_policy_id(text: str) -> bool:
    """Spelled as a policy entry's id: capitals then digits (ORG001), not one of our prefixes."""
    return POLICY_ID.fullmatch(text) is not None and not text.startswith(POLICY_RESERVED)


def known(code: str) -> bool:
    """A built-in rule's code or a policy entry's id."""
    return code in CODES or code in POLICY


def known_codes() -> list[str]:
    """Every code a report may name: the built-in rules in code order, then the policy's."""
    global _known
    # Asked once a file: sorted again only when the policy's ids change.
    policy = tuple(POLICY)
    if _known is None or _known[0] != policy:
        _known = (policy, [*CODES, *sorted(c for c in policy if c not in CODES)])
    return list(_known[1])


_known: tuple[tuple[str, ...], list[str]] | None = None


def get(code: str) -> Rule:
    policy = POLICY.get(code)
    if policy is not None and code not in CODES:
        return policy
    return _builtin(code)


@cache
def _builtin(code: str) -> Rule:
    from dockerlint_django.rules._base import Rule

    module = importlib.import_module(f"{__name__}.{CODES[code]}")
    meta: RuleMeta = module.META
    if meta.code != code:
        raise RuntimeError(f"{module.__name__} declares {meta.code}, registered as {code}")
    check = getattr(module, "check", None)
    check_service = getattr(module, "check_service", None)
    if check is None and check_service is None:
        raise RuntimeError(f"{module.__name__} defines neither check nor check_service")
    return Rule(meta, check, module.__doc__ or "", module.__name__, check_service)


def all_rules() -> list[Rule]:
    return [get(code) for code in CODES]


@cache
def by_name() -> dict[str, str]:
    return {_index.NAMES[code]: code for code in CODES}


def default_codes(profile: str) -> frozenset[str]:
    """The rules a configuration that selects none runs: its profile's pack (``packs.py``)."""
    from dockerlint_django import packs

    return packs.default_codes(profile)


def declared_defaults(profile: str) -> frozenset[str]:
    """The rules the modules themselves declare on by default in ``profile`` (``default_enabled``
    and ``profile`` in META): what the packs must agree with."""
    return _default_codes(profile, get)


@cache
def _default_codes(profile: str, get: Callable[[str], Rule]) -> frozenset[str]:
    out: set[str] = set()
    for code in CODES:
        if code in _index.IMAGE_CHECKS and code not in META_CODES:
            # A Dockerfile's run imports it anyway: its own META decides.
            meta = get(code).meta
            on, own_profile = meta.default_enabled, meta.profile
        else:
            on, own_profile = code not in _index.OFF_BY_DEFAULT, _index.PROFILES[code]
        if on and (own_profile == "generic" or profile == "ocp"):
            out.add(code)
    return frozenset(out)


def image_rules(codes: Collection[str]) -> list[Rule]:
    """The rules of ``codes`` that check an image (a Dockerfile's model), engine codes left out,
    in code order; only these are imported. The rest judge Compose services only."""
    # A configuration's enabled codes (a frozenset) are asked about for every file it checks.
    chosen = codes if isinstance(codes, frozenset) else frozenset(codes)
    return [get(code) for code in _image_codes(chosen)]


@cache
def _image_codes(codes: frozenset[str]) -> tuple[str, ...]:
    return tuple(
        code
        for code in CODES
        if code in codes and code in _index.IMAGE_CHECKS and code not in META_CODES
    )


def is_hadolint_code(text: str) -> bool:
    """Whether ``text`` is spelled as a hadolint code (``DL3025``), refined by a rule or not."""
    # DL and four digits: hadolint's own codes (its ShellCheck findings are SC codes, never mapped).
    return len(text) == 6 and text.startswith("DL") and text[2:].isascii() and text[2:].isdigit()


@cache
def by_hadolint() -> dict[str, tuple[str, ...]]:
    """Each hadolint code some rule refines (its ``meta.hadolint``) -> those rules, in code order.

    The one map behind ``# hadolint ignore=`` pragmas, DL codes in selections and ``rule DL3025``.
    """
    return _by_alias(_index.HADOLINT)


@cache
def by_buildkit() -> dict[str, tuple[str, ...]]:
    """Each BuildKit check name some rule answers to (its ``meta.buildkit``) -> those rules, in
    code order: the map behind ``# check=skip=`` directives."""
    return _by_alias(_index.BUILDKIT)


def _by_alias(aliases: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for code in CODES:
        for alias in aliases.get(code, ()):
            out.setdefault(alias, []).append(code)
    return {alias: tuple(out[alias]) for alias in sorted(out)}
