"""Prometheus metrics, one registry per application (tests build many applications)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

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

    def job_finished(self, kind: str, outcome: str, seconds: float) -> None:
        self.jobs_finished.labels(kind, outcome).inc()
        if outcome == "done":
            self.scan_seconds.labels(kind).observe(seconds)
