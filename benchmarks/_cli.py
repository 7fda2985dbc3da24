"""The command line shared by the benchmarks that print tables of several cases and seeds."""

from __future__ import annotations

import argparse


def parse(doc: str, only: str, seeds: int, smoke: str,
          options: tuple[tuple[str, dict], ...] = ()) -> tuple[argparse.Namespace, set[str]]:
    """Parse ``--only`` (comma-separated tables, default ``only``), ``--seeds`` (default ``seeds``),
    ``--smoke`` (help ``smoke``) and a benchmark's own ``options`` ((flag, ``add_argument`` keywords)
    pairs); returns the arguments and the set of tables to print."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--only", default=only)
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--smoke", action="store_true", help=smoke)
    for flag, keywords in options:
        parser.add_argument(flag, **keywords)
    args = parser.parse_args()
    return args, set(args.only.split(","))
