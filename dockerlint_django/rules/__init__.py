"""The rule registry: one table from code to module, the single source of truth.

Codes are never reused. A removed rule stays in ``REMOVED`` so that selecting it explains itself.
"""

from __future__ import annotations

import importlib
from functools import cache

from dockerlint_django.rules._base import Rule, RuleMeta

CODES: dict[str, str] = {
    "DJ001": "dj001_shell_form_server_command",
    "DJ002": "dj002_shell_wrapper_without_exec",
    "DJ004": "dj004_exec_form_unexpanded_variable",
    "DJ005": "dj005_compose_command_shell_syntax",
    "DJ010": "dj010_gunicorn_workers_hardcoded",
    "DJ011": "dj011_web_concurrency_missing",
    "DJ013": "dj013_gunicorn_threads_missing",
    "DJ015": "dj015_gunicorn_worker_class_invalid",
    "DJ018": "dj018_gunicorn_cmd_args_baked_in_image",
    "DJ020": "dj020_server_bind_not_reachable",
    "DJ021": "dj021_expose_port_mismatch",
    "DJ022": "dj022_gunicorn_worker_tmp_dir",
    "DJ023": "dj023_gunicorn_proc_name_missing",
    "DJ026": "dj026_gunicorn_reload_in_image",
    "DJ027": "dj027_runserver_in_container",
    "DJ030": "dj030_final_stage_runs_as_root",
    "DJ031": "dj031_user_without_group",
    "DJ032": "dj032_useradd_without_no_log_init",
    "DJ033": "dj033_copy_without_chown",
    "DJ034": "dj034_build_step_cannot_write",
    "DJ035": "dj035_unknown_user_or_group",
    "DJ036": "dj036_pip_install_as_non_root",
    "DJ040": "dj040_staticfiles_manifest_missing",
    "DJ041": "dj041_collectstatic_without_noinput",
    "DJ042": "dj042_compilemessages_without_gettext",
    "DJ045": "dj045_secret_key_in_image",
    "DJ047": "dj047_dev_requirements_in_image",
    "DJ049": "dj049_cookiecutter_placeholder_left",
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
    "DJ900": "dj900_parse_error",
    "DJ901": "dj901_unused_suppression",
    "DJ902": "dj902_rule_crashed",
}

# Codes produced by the engine itself rather than by a check over the model.
META_CODES = frozenset({"DJ900", "DJ901", "DJ902"})

REMOVED: dict[str, str] = {}


@cache
def get(code: str) -> Rule:
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
    return {get(code).name: code for code in CODES}
