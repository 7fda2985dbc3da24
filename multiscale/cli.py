"""Command line: ``python -m multiscale run | scan | report | check | schema``.

Exit status: 0 success; 2 bad input (one line per problem on stderr, naming the file and the
dotted key; nothing written) or a locked run directory; 130 interrupted. A traceback is printed
only for an internal error (a bug), with status 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from . import __version__
from .errors import UserError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m multiscale", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"multiscale {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the stages of a parameter file")
    run.add_argument("params", help="parameter file (TOML)")
    run.add_argument("--out", help="run directory (default runs/<name>)")
    run.add_argument("--force", action="store_true", help="rerun every stage even if up to date")
    scan = sub.add_parser("scan", help="run a parameter scan and aggregate it into scan.h5")
    scan.add_argument("scan", help="scan file (TOML)")
    scan.add_argument("--out", help="scan directory (default runs/<scan name>)")
    scan.add_argument("--workers", type=int, help="parallel points (default: the number of cores)")
    scan.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786): run the points on that cluster")
    report = sub.add_parser("report", help="write the figures of a run or scan directory to DIR/figures/")
    report.add_argument("directory", help="run or scan directory")
    check = sub.add_parser("check", help="validate a parameter file and print the resolved parameters, "
                           "each key the run does not read marked with why")
    check.add_argument("params", help="parameter file (TOML)")
    schema = sub.add_parser("schema", help="print the JSON schema of parameter files")
    schema.add_argument("--markdown", action="store_true", help="print the reference table (docs/params.md) instead")
    return parser


def _stderr_logging() -> None:
    """Log to the present stderr; a handler an earlier call in this process added (which may hold a
    stream since closed, and would print every line twice) is replaced."""
    logger = logging.getLogger("multiscale")
    for old in [h for h in logger.handlers if h.get_name() == "multiscale-cli"]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name("multiscale-cli")
    handler.setFormatter(logging.Formatter("multiscale: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _report(directory) -> None:
    from pathlib import Path

    from .analysis.plots import report

    if not Path(directory).is_dir():
        raise UserError(f"{directory}: not a directory")
    written = report(directory)
    logging.getLogger("multiscale").info("report: %d figures in %s", len(written), Path(directory) / "figures")


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "schema":
            from .schema_docs import json_schema, schema_markdown

            print(schema_markdown() if args.markdown else json.dumps(json_schema(), indent=2), end="" if args.markdown else "\n")
        elif args.command == "check":
            from .params import checked_toml
            from .pipeline import check

            print(checked_toml(check(args.params)), end="")
        elif args.command == "scan":
            from .scan import load_scan

            if args.workers is not None and args.workers < 1:
                raise UserError("--workers: must be at least 1")
            load_scan(args.scan)  # bad input fails here
            from .scan import run_scan

            _stderr_logging()
            scan_dir = run_scan(args.scan, out=args.out, workers=args.workers, scheduler=args.scheduler)
            _report(scan_dir)
            print(scan_dir)
        elif args.command == "report":
            _stderr_logging()
            _report(args.directory)
        else:
            from .params import load_params

            load_params(args.params)  # bad input fails here, before xarray and SciPy are imported
            from .pipeline import run

            _stderr_logging()
            run_dir = run(args.params, out=args.out, force=args.force)
            _report(run_dir)
            print(run_dir)
    except UserError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("multiscale: interrupted; completed stage files are kept, rerun to continue", file=sys.stderr)
        return 130
    return 0
