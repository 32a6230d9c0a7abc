"""python -m nlp classify | evaluate [--data DIR] [--json] [--in-sample] | learn [--data DIR]
| learn-danger [--data DIR] | evaluate-danger [--data DIR] | bench [--n N]"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def _classify(args) -> int:
    from nlp import classify, load
    load()
    out = sys.stdout
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"] if isinstance(item, dict) else None
            if text is not None and not isinstance(text, str):
                raise TypeError("text must be a string")
            if text is None:
                raise KeyError("text")
        except (ValueError, KeyError, TypeError) as error:
            print(f"line {number}: need a JSON object with a string 'text' field ({error})",
                  file=sys.stderr)
            out.write(json.dumps({"error": f"line {number}: bad input"}, ensure_ascii=False) + "\n")
            continue
        out.write(json.dumps(classify(text).as_dict(), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _evaluate(args) -> int:
    from nlp.evaluate import DEFAULT_DATA, evaluate, format_report
    data = args.data or DEFAULT_DATA
    report = evaluate(data, refit=not args.in_sample)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(format_report(report))
    return 0


def _learn(args) -> int:
    from nlp.learn import write_fixed
    from nlp.sources import DEFAULT_DATA
    data = args.data or DEFAULT_DATA
    if not (Path(data) / "haikou_dev.jsonl").exists():
        print(f"no dev files in {data} (need *_dev.jsonl)", file=sys.stderr)
        return 2
    path = write_fixed(Path(data))
    print(f"wrote {path}")
    return 0


def _learn_danger(args) -> int:
    from nlp.danger_fit import write_fixed
    from nlp.sources import DEFAULT_DATA
    path = write_fixed(Path(args.data or DEFAULT_DATA))
    print(f"wrote {path}")
    return 0


def _evaluate_danger(args) -> int:
    from nlp.danger_fit import evaluate, format_figures
    from nlp.sources import DEFAULT_DATA
    found = evaluate(Path(args.data or DEFAULT_DATA))
    print(json.dumps(found, ensure_ascii=False) if args.json else format_figures(found))
    return 0


def _bench(args) -> int:
    from nlp.bench import bench, format_bench
    result = bench(args.n, repeat=args.repeat)
    print(json.dumps(result, ensure_ascii=False) if args.json else format_bench(result))
    return 0


def main(argv=None) -> int:
    logging.getLogger("jieba").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="python -m nlp", description="GridDesk keyword NLP")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classify", help="JSON lines with a 'text' field on stdin → one JSON line each")
    ev = sub.add_parser("evaluate", help="score the dev files (kind, domain) and emergencies "
                        "(own corpus, real letters)")
    ev.add_argument("--data", help="folder with *_dev.jsonl (default ../shared/data/nlp)")
    ev.add_argument("--json", action="store_true", help="machine-readable output")
    ev.add_argument("--in-sample", action="store_true",
                    help="only the shipped weights on the rows they were fitted on (quick)")
    le = sub.add_parser("learn", help="fit the keyword weights on the dev files → "
                                      "nlp/data/learned.tsv")
    le.add_argument("--data", help="folder with *_dev.jsonl (default ../shared/data/nlp)")
    for name, what in (("learn-danger", "fit the learned danger net → nlp/data/danger.tsv "
                                        "(threshold chosen on held-out scores; ~2 min)"),
                       ("evaluate-danger", "the danger net's leave-one-slice-out figures "
                                           "(~2 min)")):
        dn = sub.add_parser(name, help=what)
        dn.add_argument("--data", help="folder with *_dev.jsonl (default ../shared/data/nlp)")
        dn.add_argument("--json", action="store_true")
    be = sub.add_parser("bench", help="messages per second: classify vs plain jieba.lcut")
    be.add_argument("--n", type=int, default=20000, help="messages per timed run")
    be.add_argument("--repeat", type=int, default=5,
                    help="timed rounds; the best time per slice is kept for each side")
    be.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    return {"classify": _classify, "evaluate": _evaluate, "learn": _learn,
            "learn-danger": _learn_danger, "evaluate-danger": _evaluate_danger,
            "bench": _bench}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
