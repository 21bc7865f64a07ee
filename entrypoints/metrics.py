"""Prometheus metrics on prometheus-client: counters, gauges and histograms made on first use, shown on /metrics.

With `PROMETHEUS_MULTIPROC_DIR` set (a writable, empty directory shared by every paycore process of one
machine: `paycore serve --workers N` sets one itself) the values live in files there and every process's
/metrics shows the sum over all of them, a standalone `paycore worker` included.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 15.0, 60.0, 300.0, 1800.0, 7200.0, 86400.0)
REQUESTS = "paycore_http_requests_total"
LATENCY = "paycore_http_request_duration_seconds"


class Metrics:
    """Named metrics with their label names fixed on first use, in this registry (one per app, so tests stay
    apart) or, in multiprocess mode, in the shared files."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._lock = threading.Lock()
        self._metrics: dict[str, Counter | Gauge | Histogram] = {}

    @property
    def multiprocess(self) -> bool:
        """Whether values are shared with the machine's other paycore processes."""
        return bool(os.environ.get(MULTIPROC_ENV))

    def inc(self, name: str, help_text: str, amount: float = 1.0, **labels: str) -> None:
        """Add to a counter."""
        counter = self._get(Counter, name, help_text, sorted(labels))
        (counter.labels(**labels) if labels else counter).inc(amount)  # type: ignore[union-attr]

    def set(self, name: str, help_text: str, value: float, **labels: str) -> None:
        """Set a gauge (in multiprocess mode: the latest value any process set)."""
        gauge = self._get(Gauge, name, help_text, sorted(labels))
        (gauge.labels(**labels) if labels else gauge).set(value)  # type: ignore[union-attr]

    def observe(self, name: str, help_text: str, value: float, buckets: Sequence[float] = LAG_BUCKETS,
                **labels: str) -> None:
        """Record a value in a histogram (seconds, by default lag-sized buckets)."""
        histogram = self._get(Histogram, name, help_text, sorted(labels), buckets)
        (histogram.labels(**labels) if labels else histogram).observe(value)  # type: ignore[union-attr]

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count a request by route template, method and status, and record its latency."""
        self.inc(REQUESTS, "HTTP requests by route template, method and status",
                 route=route, method=method, status=str(status))
        self.observe(LATENCY, "HTTP request latency by route template", seconds, LATENCY_BUCKETS,
                     route=route, method=method)

    def view(self) -> CollectorRegistry:
        """What to expose: this registry, or in multiprocess mode the sum over every process's files."""
        if not self.multiprocess:
            return self.registry
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry

    def render(self) -> str:
        """The Prometheus text exposition."""
        return generate_latest(self.view()).decode()

    def _get(self, kind: type[Counter] | type[Gauge] | type[Histogram], name: str, help_text: str,
             labels: list[str], buckets: Sequence[float] = LATENCY_BUCKETS) -> Counter | Gauge | Histogram:
        with self._lock:
            found = self._metrics.get(name)
            if found is None:
                base = name.removesuffix("_total") if kind is Counter else name
                options: dict[str, object] = {"registry": self.registry}
                if kind is Histogram:
                    options["buckets"] = tuple(buckets)
                if kind is Gauge:
                    options["multiprocess_mode"] = "mostrecent"
                found = kind(base, help_text, labels, **options)  # type: ignore[arg-type]
                self._metrics[name] = found
            return found


class MetricsAnomalyAlerts:
    """AnomalyAlerts: paycore_anomalies_total{kind}."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def raised(self, kind: str) -> None:
        """Count one anomaly."""
        self._metrics.inc("paycore_anomalies_total", "payment anomalies (e.g. paid after close) by kind", kind=kind)
