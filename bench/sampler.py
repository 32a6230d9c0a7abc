"""A sampling profiler for `python -m bench profile --sample`: every 0.5 ms of this process's
CPU (ITIMER_PROF; the kernel's tick may make it every 4 ms) the main thread's stack is noted,
and the process's CPU over the run is shared out by samples. Unlike cProfile it adds no cost per Python
call, so code with many small calls (SQLAlchemy) is not overweighted; a share of samples is
a share of CPU. Prints, per message, the CPU (ms) spent inside each of the functions that
most often were on the stack (inclusive) and by library (the innermost frame's)."""
from __future__ import annotations

import collections
import signal
import sys
import time


class Sampler:
    def __init__(self, interval: float = 0.0005):
        self.interval = interval
        self.stacks: collections.Counter = collections.Counter()

    def _take(self, _signum, frame):
        stack = []
        while frame is not None:
            code = frame.f_code
            stack.append((code.co_filename, code.co_firstlineno, code.co_name))
            frame = frame.f_back
        self.stacks[tuple(stack)] += 1

    def start(self) -> None:
        self.cpu = time.process_time()
        signal.signal(signal.SIGPROF, self._take)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        self.cpu = time.process_time() - self.cpu
        signal.signal(signal.SIGPROF, signal.SIG_DFL)

    def report(self, messages: int, top: int = 150, out=sys.stdout) -> None:
        total = sum(self.stacks.values())
        per = self.cpu * 1000 / max(total, 1) / messages  # ms of CPU a sample, a message
        inclusive, library = collections.Counter(), collections.Counter()
        own = collections.Counter()
        for stack, count in self.stacks.items():
            for where in set(stack):
                inclusive[where] += count
            library[_library(stack[0][0])] += count
            own[stack[0]] += count
        print(f"samples {total}: {total * per:.2f} ms CPU a message (sampled)", file=out)
        print("-- by library (innermost frame)", file=out)
        for name, count in library.most_common(25):
            print(f"{count * per:7.3f} ms {count / total:6.1%}  {name}", file=out)
        print("-- own (innermost frame)", file=out)
        for (filename, line, name), count in own.most_common(40):
            print(f"{count * per:7.3f} ms {count / total:6.1%}  {_short(filename)}:{line} {name}",
                  file=out)
        print("-- inclusive", file=out)
        for (filename, line, name), count in inclusive.most_common(top):
            print(f"{count * per:7.3f} ms {count / total:6.1%}  {_short(filename)}:{line} {name}",
                  file=out)


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3", "wt-"):
        if marker in filename:
            tail = filename.split(marker, 1)[1]
            return tail.split("/", 1)[1] if marker == "wt-" else tail
    return filename


def _library(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/lib/python3" in filename:
        return "stdlib"
    short = _short(filename)
    return "ours:" + "/".join(short.split("/")[:2])
