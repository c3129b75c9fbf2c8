"""Prometheus metrics, one registry per application (tests build many applications)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# GitHub's webhook event names (docs.github.com, "Webhook events and payloads"). A label
# comes from this set or is `other`: a sender cannot grow the registry one name at a time.
GITHUB_EVENTS = frozenset(
    """
    branch_protection_configuration branch_protection_rule check_run check_suite
    code_scanning_alert commit_comment create custom_property custom_property_values delete
    dependabot_alert deploy_key deployment deployment_protection_rule deployment_review
    deployment_status discussion discussion_comment fork github_app_authorization gollum
    installation installation_repositories installation_target issue_comment issues label
    marketplace_purchase member membership merge_group meta milestone org_block organization
    package page_build personal_access_token_request ping project project_card
    project_column projects_v2 projects_v2_item projects_v2_status_update public
    pull_request pull_request_review pull_request_review_comment pull_request_review_thread
    push registry_package release repository repository_advisory repository_dispatch
    repository_import repository_ruleset repository_vulnerability_alert
    secret_scanning_alert secret_scanning_alert_location secret_scanning_scan
    security_advisory security_and_analysis sponsorship star status sub_issues team
    team_add watch workflow_dispatch workflow_job workflow_run
    """.split()  # noqa: SIM905 - one readable block beats 70 quoted lines
)
# The one label for requests whose signature was not (yet) checked.
UNAUTHENTICATED = "unauthenticated"


def event_label(name: str | None) -> str:
    return name if name in GITHUB_EVENTS else "other"


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    # Called before each scrape to copy figures kept elsewhere (GitHub request counts).
    sources: list[Callable[[Metrics], None]] = field(default_factory=list)
    _github_seen: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        r = self.registry
        self.deliveries = Counter(
            "fundbot_webhook_deliveries",
            "Webhook deliveries received, by event and outcome.",
            ["event", "outcome"],
            registry=r,
        )
        self.jobs = Gauge("fundbot_jobs", "Jobs in the queue, by state.", ["state"], registry=r)
        self.jobs_finished = Counter(
            "fundbot_jobs_finished",
            "Jobs finished, by kind and outcome.",
            ["kind", "outcome"],
            registry=r,
        )
        self.github_requests = Counter(
            "fundbot_github_requests",
            "Requests sent to GitHub, by method.",
            ["method"],
            registry=r,
        )
        self.github_rate_limit_remaining = Gauge(
            "fundbot_github_rate_limit_remaining",
            "The lowest remaining GitHub rate limit seen, by installation.",
            ["installation"],
            registry=r,
        )
        self.scan_seconds = Histogram(
            "fundbot_scan_duration_seconds",
            "Time to scan, resolve, plan and publish, by job kind.",
            ["kind"],
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600),
            registry=r,
        )

    def unauthenticated(self, outcome: str) -> None:
        """A request refused before its signature was checked: its claimed event is not
        trusted, so it is counted under one label."""
        self.deliveries.labels(UNAUTHENTICATED, outcome).inc()

    def job_finished(self, kind: str, outcome: str, seconds: float) -> None:
        self.jobs_finished.labels(kind, outcome).inc()
        if outcome == "done":
            self.scan_seconds.labels(kind).observe(seconds)

    def refresh(self) -> None:
        for source in self.sources:
            source(self)

    def observe_github(
        self, by_method: Mapping[str, int], remaining: Mapping[int, int | None]
    ) -> None:
        """Take the clients' running totals: counters move by what was sent since last time."""
        for method, total in by_method.items():
            delta = total - self._github_seen.get(method, 0)
            if delta > 0:
                self.github_requests.labels(method).inc(delta)
                self._github_seen[method] = total
        for installation, value in remaining.items():
            if value is not None:
                self.github_rate_limit_remaining.labels(str(installation)).set(value)
