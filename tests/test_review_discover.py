"""Override variants found by a folder search are merged over the file they override."""

from __future__ import annotations

from pathlib import Path

from dockerlint_django.discover import ComposeSet, compose_sets


def names(*files: str) -> list[tuple[tuple[str, ...], bool]]:
    return [
        (tuple(p.name for p in s.files), s.default)
        for s in compose_sets([Path("p") / f for f in files])
    ]


def test_an_override_variant_is_merged_over_the_main_file() -> None:
    assert names(
        "docker-compose.yml",
        "docker-compose.override.dev.yml",
        "docker-compose-keycloak-override.yml",
        "docker-compose.prod.yml",
    ) == [
        (("docker-compose.yml",), True),
        (("docker-compose.yml", "docker-compose.override.dev.yml"), False),
        (("docker-compose.yml", "docker-compose-keycloak-override.yml"), False),
        (("docker-compose.prod.yml",), False),
    ]


def test_an_override_of_a_variant_is_merged_over_that_variant() -> None:
    assert names(
        "docker-compose.yml", "docker-compose.test.yml", "docker-compose.test.override.yml"
    ) == [
        (("docker-compose.yml",), True),
        (("docker-compose.test.yml",), False),
        (("docker-compose.test.yml", "docker-compose.test.override.yml"), False),
    ]


def test_without_a_file_to_override_it_stays_alone() -> None:
    assert names("docker-compose.override.dev.yml") == [
        (("docker-compose.override.dev.yml",), False)
    ]
    # Default override names keep Compose's own rules; a shadowed one stays alone.
    found = compose_sets(
        [Path("p/compose.yaml"), Path("p/compose.override.yml"), Path("p/compose.override.yaml")]
    )
    assert found == [
        ComposeSet((Path("p/compose.yaml"), Path("p/compose.override.yml")), default=True),
        ComposeSet(
            (Path("p/compose.override.yaml"),),
            default=False,
            shadowed_by=Path("p/compose.override.yml"),
        ),
    ]
    # Words that merely contain "override" are no override variants.
    assert names("compose.yaml", "overrides.yml", "compose.overridden.yml") == [
        (("compose.yaml",), True),
        (("overrides.yml",), False),
        (("compose.overridden.yml",), False),
    ]
