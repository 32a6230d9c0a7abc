"""CPU time by process during a bench run: where a message's cost goes across the machine.

A run's processes are grouped (the web server and its workers, the delivery workers, the
PostgreSQL backends serving the bench database, Redis, the load generator) and each group's
user+system CPU is read from /proc (psutil) before and after. Children that exited and were
reaped count in their parent's children times (RQ's work horses, gunicorn's replaced
workers); a PostgreSQL backend that ended during the run is not seen (its CPU is lost to the
count), so `pg_sessions` (sessions opened on the database meanwhile, pg_stat_database) says
whether connections churned. Other sessions' processes on the same machine are not counted.
"""
from __future__ import annotations

import psutil


def _times(process: psutil.Process, with_children: bool = True) -> float:
    try:
        times = process.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    total = times.user + times.system
    if with_children:
        total += times.children_user + times.children_system
    return total


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _backends(database: str | None) -> list[psutil.Process]:
    """PostgreSQL backends connected to `database` (their title names it)."""
    if not database:
        return []
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = process.info["cmdline"] or []
        title = " ".join(cmdline)
        if title.startswith("postgres:") and f" {database} " in f"{title} ":
            found.append(process)
    return found


class CpuMeter:
    """Each group's CPU seconds, per process (pid and start time), read at start and stop."""

    def __init__(self, groups: dict[str, list[int]], database: str | None = None,
                 url: str | None = None):
        self.groups, self.database, self.url = groups, database, url

    def _read(self) -> dict[str, dict[tuple, float]]:
        seen: dict[str, dict[tuple, float]] = {}
        for name, pids in self.groups.items():
            seen[name] = {}
            for pid in pids:
                tree = _tree(pid)
                for process in tree:
                    # a tree's children are counted in full; its root's reaped children too
                    key = (process.pid, _started(process))
                    seen[name][key] = _times(process, with_children=process is tree[0])
        seen["postgres"] = {(p.pid, _started(p)): _times(p, False)
                            for p in _backends(self.database)}
        return seen

    def _sessions(self) -> int | None:
        if not self.url or not self.database or self.url.startswith("sqlite"):
            return None
        from sqlalchemy import create_engine, text
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.scalar(text(
                    "SELECT sessions FROM pg_stat_database WHERE datname = :name"),
                    {"name": self.database})
        finally:
            engine.dispose()

    def start(self) -> "CpuMeter":
        self.sessions0 = self._sessions()
        self.before = self._read()
        return self

    def stop(self, messages: int) -> dict:
        after = self._read()
        sessions = self._sessions()
        result = {}
        for name, processes in after.items():
            earlier = self.before.get(name, {})
            seconds = sum(now - earlier.get(key, 0.0) for key, now in processes.items())
            result[name] = round(seconds * 1000 / max(messages, 1), 3)
        result["total"] = round(sum(result.values()), 3)
        out = {"cpu_ms_per_message": result}
        if sessions is not None and self.sessions0 is not None:
            out["pg_sessions_opened"] = sessions - self.sessions0 - 1  # the first read's own
        return out


def _started(process: psutil.Process) -> float:
    try:
        return process.create_time()
    except psutil.NoSuchProcess:
        return 0.0
