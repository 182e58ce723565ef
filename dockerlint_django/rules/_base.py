"""What a rule is: metadata, a pure ``check`` over the model, and the violations it yields."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from dockerlint_django._record import field, record
from dockerlint_django.fix import Applicability, Fix
from dockerlint_django.source import SourceFile, Span

if TYPE_CHECKING:
    from dockerlint_django.analysis import Analysis
    from dockerlint_django.service import ServiceView


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    # "info", "warning", "error": what reports print. An attribute set once below, not a
    # property over the enum's `name` (three calls for each finding every report shows).
    label: str

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (error, warning, info)") from None


for _severity in Severity:
    _severity.label = _severity.name.lower()
del _severity


class FixAvailability(enum.Enum):
    NONE = "none"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


@record
class Related:
    """Another place that explains a finding (the stage a value comes from, a second file)."""

    span: Span
    message: str
    source: SourceFile | None = None  # None: the finding's own file


@record
class Violation:
    code: str
    message: str
    span: Span
    severity: Severity
    fix: Fix | None = None
    related: tuple[Related, ...] = ()


@record
class RuleMeta:
    code: str
    name: str
    severity: (
        Severity  # the usual severity; a violation may carry another (e.g. info for `CMD exec …`)
    )
    summary: str  # one line, for listings and SARIF shortDescription
    fix: FixAvailability = FixAvailability.NONE
    # The safest fix it ever offers: UNSAFE for a rule whose every fix changes behaviour. A finding
    # of such a rule never gets a fix that `fix` applies without --unsafe-fixes, whatever other
    # fixes do first, so check's count need not run the fix loop for it (cli/_counts.py).
    # tests/test_fix_safety.py holds every rule to what its module's fixes say.
    safest_fix: Applicability = Applicability.SAFE
    profile: str = "generic"  # "generic" or "ocp"
    origin: str = "handbook"  # "handbook", "extension", or "meta"
    default_enabled: bool = True
    hadolint: tuple[str, ...] = ()  # DL codes whose `# hadolint ignore=` pragmas suppress this rule
    buildkit: tuple[str, ...] = ()  # BuildKit check names whose `# check=skip=` directive skips it
    options: Mapping[str, Any] = field(default_factory=dict)  # option name -> default value
    kind: tuple[str, ...] = ("dockerfile",)  # what it reads: "dockerfile", "compose", "cross"
    # A CVSS-like score ("0.1"-"10.0") for rules whose findings are security weaknesses; GitHub
    # code scanning files those as security alerts. None for everything else.
    security_severity: str | None = None
    # Advice for production only: in a development file (project.development) it is reported at
    # info, with the reason.
    production_only: bool = False
    # A policy entry's own page (its `help`); a built-in rule's page is its docs page.
    help_uri: str | None = None
    # Its findings are the same whichever stage a build targets (it reads every stage alike): a
    # file's other targets (engine.extra_targets) are not checked with it again.
    every_target_alike: bool = False

    @property
    def tags(self) -> tuple[str, ...]:
        """Labels for filtering: origin, profile, what the rule reads, and "security"."""
        out = [self.origin, self.profile, *self.kind]
        if self.security_severity is not None:
            out.append("security")
        return tuple(dict.fromkeys(out))

    def violation(
        self,
        span: Span,
        message: str,
        *,
        severity: Severity | None = None,
        fix: Fix | None = None,
        related: tuple[Related, ...] = (),
    ) -> Violation:
        return Violation(self.code, message, span, severity or self.severity, fix, related)


CheckFn = Callable[["Context"], Iterator[Violation]]
ServiceCheckFn = Callable[["ServiceContext"], Iterator[Violation]]


# One call over an image for the rules checked together: each member's violations, or what its
# check raised.
GroupCheckFn = Callable[["Context"], list[list[Violation] | Exception]]


@record
class Grouped:
    """A rule checked together with others in one call over an image (the policy's entries):
    the engine calls it once an image."""

    check: GroupCheckFn
    member: int  # this rule's place in the call's result


@record
class Context:
    """What a rule sees: the analysed project file and its own options. No I/O from here."""

    analysis: Analysis
    options: Mapping[str, Any]
    profile: str = "generic"


@record
class ServiceContext:
    """What a Compose rule sees: one service as it runs, and the rule's own options."""

    service: ServiceView
    options: Mapping[str, Any]
    profile: str = "generic"


@record
class Rule:
    meta: RuleMeta
    # Over an image (a Dockerfile's model); None for a rule that judges only Compose services.
    check: CheckFn | None
    # The rule's documentation: its module's docstring. A policy entry's page is written when
    # it is asked for (``rule``, SARIF), not on every run that reads the policy.
    page: str | Callable[[], str]
    module: str
    # Over one Compose service (its settings, and its image when the project builds it).
    check_service: ServiceCheckFn | None = None
    # ``check``'s violations as one call makes them for a group of rules.
    group: Grouped | None = None

    @property
    def judges_services(self) -> bool:
        """Runs on each service: its own service check, or its image check over the service's
        view (what the image runs with the service's settings over it)."""
        return self.check_service is not None or bool({"compose", "cross"} & set(self.meta.kind))

    @property
    def doc(self) -> str:
        page = self.page
        return page if isinstance(page, str) else page()

    @property
    def code(self) -> str:
        return self.meta.code

    @property
    def name(self) -> str:
        return self.meta.name
