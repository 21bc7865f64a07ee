"""A small in-process Prometheus registry: counters and a latency histogram, as text on /metrics."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
Labels = tuple[tuple[str, str], ...]


class Metrics:
    """Counters by name and labels; request latency by route."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[Labels, float]] = defaultdict(dict)
        self._help: dict[str, str] = {}
        self._latency: dict[Labels, list[float]] = {}
        self._latency_sum: dict[Labels, float] = defaultdict(float)

    def inc(self, name: str, help_text: str, amount: float = 1.0, **labels: str) -> None:
        """Add to a counter."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._help[name] = help_text
            series = self._counters[name]
            series[key] = series.get(key, 0.0) + amount

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count a request and record its latency."""
        self.inc("paycore_http_requests_total", "HTTP requests by route, method and status",
                 route=route, method=method, status=str(status))
        key = (("method", method), ("route", route))
        with self._lock:
            counts = self._latency.setdefault(key, [0.0] * (len(BUCKETS) + 1))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            counts[-1] += 1
            self._latency_sum[key] += seconds

    def render(self) -> str:
        """The Prometheus text exposition."""
        lines: list[str] = []
        with self._lock:
            for name, series in sorted(self._counters.items()):
                lines += [f"# HELP {name} {self._help[name]}", f"# TYPE {name} counter"]
                lines += [f"{name}{_labels(key)} {value:g}" for key, value in sorted(series.items())]
            name = "paycore_http_request_duration_seconds"
            lines += [f"# HELP {name} HTTP request latency by route", f"# TYPE {name} histogram"]
            for key, counts in sorted(self._latency.items()):
                for bound, count in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                    lines.append(f"{name}_bucket{_labels((*key, ('le', bound)))} {count:g}")
                lines.append(f"{name}_sum{_labels(key)} {self._latency_sum[key]:g}")
                lines.append(f"{name}_count{_labels(key)} {counts[-1]:g}")
        return "\n".join(lines) + "\n"


class MetricsAnomalyAlerts:
    """AnomalyAlerts: paycore_anomalies_total{kind}."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def raised(self, kind: str) -> None:
        """Count one anomaly."""
        self._metrics.inc("paycore_anomalies_total", "payment anomalies (e.g. paid after close) by kind", kind=kind)


def _labels(key: Labels) -> str:
    if not key:
        return ""
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in key)
    return "{" + ",".join(escaped) + "}"
