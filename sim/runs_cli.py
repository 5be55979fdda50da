"""``negsim-runs``: the run catalog (:mod:`sim.run_catalog`) on the command line.

    negsim-runs [--db FILE] [--root DIR ...] index
    negsim-runs list [--where SQL] [--columns a,b,c] [--csv]
    negsim-runs sql "SELECT scenario, protocol, avg(p_war) FROM runs GROUP BY ALL" [--csv]
    negsim-runs export FILE.csv|FILE.parquet [--where SQL]

The catalog lives in ``--db`` (default ``negsim-runs.duckdb`` in the current directory). Folders
given with ``--root`` are remembered; without any, ``outputs/`` and ``multirun/`` of the current
directory are catalogued. Every command first brings the catalog up to date (only new or
changed run directories are read). Bad input (a missing folder, SQL that DuckDB rejects) is one
line on stderr and exit status 2; a database another process is writing, exit status 1.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from sim.errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, ConfigError

PROG = "negsim-runs"
DEFAULT_DB = "negsim-runs.duckdb"
DEFAULT_ROOTS = ("outputs", "multirun")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Catalog of negsim run directories (DuckDB), queried in SQL.")
    parser.add_argument("--db", default=DEFAULT_DB, help=f"the catalog's database file (default {DEFAULT_DB})")
    parser.add_argument("--root", action="append", default=[], help="a folder of runs and sweeps to catalog (repeatable; remembered)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("index", help="bring the catalog up to date and say what changed")
    listing = commands.add_parser("list", help="one line per run directory")
    listing.add_argument("--where", help="an SQL condition on the columns, e.g. \"scenario='us_response_2022'\"")
    listing.add_argument("--columns", help="comma-separated columns (default: path, state, scenario, protocol, ..., p_war)")
    listing.add_argument("--csv", action="store_true", help="CSV instead of an aligned table")
    query = commands.add_parser("sql", help="any SQL over the table runs")
    query.add_argument("query")
    query.add_argument("--csv", action="store_true", help="CSV instead of an aligned table")
    export = commands.add_parser("export", help="write the runs to a .csv or .parquet file")
    export.add_argument("file")
    export.add_argument("--where", help="an SQL condition on the columns")
    export.add_argument("--columns", help="comma-separated columns (default: all)")
    return parser


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict):
        return " ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def _relative(text: str) -> str:
    try:
        return str(Path(text).relative_to(Path.cwd()))
    except ValueError:
        return text


def _print(relation, as_csv: bool) -> None:
    names = [column[0] for column in relation.description]
    rows = [[_relative(_cell(v)) if name in ("path", "sweep_dir", "root", "outcomes_path") else _cell(v) for name, v in zip(names, row)] for row in relation.fetchall()]
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
        return
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    print("  ".join(name.ljust(width) for name, width in zip(names, widths)).rstrip())
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"({len(rows)} row{'s' if len(rows) != 1 else ''})", file=sys.stderr)


def _columns(text: str | None) -> list[str] | None:
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


def run(args: argparse.Namespace) -> None:
    import duckdb

    from sim.run_catalog import LIST_COLUMNS, Catalog

    try:
        catalog = Catalog(db=args.db)
    except ConfigError as error:
        if "lock" in str(error).lower():  # another process holds the database
            print(f"{PROG}: error: {error}", file=sys.stderr)
            sys.exit(EXIT_ENVIRONMENT)
        raise
    with catalog:
        for root in args.root:
            catalog.add_root(root)
        if not catalog.roots:
            defaults = [name for name in DEFAULT_ROOTS if Path(name).is_dir()]
            if not defaults:
                raise ConfigError("--root", None, f"no folder to catalog: give --root DIR (no {' or '.join(DEFAULT_ROOTS)} here)")
            for root in defaults:
                catalog.add_root(root)
        done = catalog.update()
        try:
            if args.command == "index":
                total = catalog.connection.execute("SELECT count(*), count(*) FILTER (WHERE state = 'ok') FROM runs").fetchone()
                print(f"{total[0]} run directories ({total[1]} complete) under {', '.join(map(str, catalog.roots))}: "
                      f"{done.read} read, {done.dropped} dropped, {done.unchanged} unchanged")  # fmt: skip
            elif args.command == "list":
                columns = _columns(args.columns) or list(LIST_COLUMNS)
                _print(catalog.query(catalog.selection(args.where, columns), update=False), args.csv)
            elif args.command == "sql":
                _print(catalog.query(args.query, update=False), args.csv)
            else:
                path = catalog.export(args.file, args.where, _columns(args.columns), update=False)
                print(path)
        except duckdb.Error as error:  # e.g. a column named in --columns that does not exist
            raise ConfigError(args.command, getattr(args, "where", None) or getattr(args, "query", None), str(error).splitlines()[0]) from None


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``negsim-runs``."""
    args = _parser().parse_args(argv)
    try:
        run(args)
    except ConfigError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    except OSError as error:
        from sim.errors import describe_os_error

        print(f"{PROG}: error: {describe_os_error(error)}", file=sys.stderr)
        sys.exit(EXIT_ENVIRONMENT)


if __name__ == "__main__":
    main()
