"""The run catalog (``negsim-runs``, :func:`sim.api.catalog`): every run directory under one or
more output folders as one row of a DuckDB table, to ask questions of weeks of sweeps in SQL.

One row per run directory (a folder holding ``summary.json``, ``.hydra/`` or the ``INCOMPLETE``
marker): where it is (``path``, and ``sweep_dir`` for a point of a sweep), its ``state`` as
``negsim-report`` judges it (``ok``, ``failed``, ``incomplete``; :func:`analysis.sweep.read_run`,
which asks :func:`sim.rundir.inspect`) and the ``problem``; what ran (``scenario``,
``protocol``, ``engine``, ``seed``, ``n_runs``, ``config_hash``, ``version``, the lock file's
``lock_sha256`` and ``as_locked``) and every override (``overrides``, a ``MAP``:
``overrides['protocol']``); P(war) (``p_war``, ``p_war_lo``, ``p_war_hi``), P(agreement)
likewise, every status's probability and interval (``status['war']``, ``status_lo[...]``,
``status_hi[...]``: maps, so a status added later needs no new column) and P(accept) by actor
(``acceptance['russia']``). Only these numbers are stored (from ``summary.json``); the outcomes
stay in their Parquet files (``outcomes_path``), which :meth:`Catalog.outcomes` reads through
DuckDB without copying them.

**Incremental.** The folders are walked on every update, but a directory is read again only when
its signature changes (size and modification time of ``summary.json``, ``outcomes.parquet`` and
``.hydra/overrides.yaml``, and whether it is marked ``INCOMPLETE``): a new run is added without
re-reading the old ones, a run that finished since is read again, a deleted one is dropped.
**Tolerant.** A half-written run, an analysis run, another program's folder or a
``summary.json`` that is not negsim's is a row with its state and problem, never an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sim import rundir
from sim.errors import ConfigError

SCHEMA = 1
HIDDEN_SKIPPED = (".hydra", ".submitit")
COLUMNS = """
    path VARCHAR PRIMARY KEY, root VARCHAR, sweep_dir VARCHAR, signature VARCHAR,
    state VARCHAR, problem VARCHAR,
    scenario VARCHAR, protocol VARCHAR, engine VARCHAR, seed BIGINT, n_runs BIGINT,
    config_hash VARCHAR, version VARCHAR, lock_sha256 VARCHAR, as_locked BOOLEAN,
    overrides MAP(VARCHAR, VARCHAR), overrides_text VARCHAR,
    p_war DOUBLE, p_war_lo DOUBLE, p_war_hi DOUBLE,
    p_agreement DOUBLE, p_agreement_lo DOUBLE, p_agreement_hi DOUBLE,
    status MAP(VARCHAR, DOUBLE), status_lo MAP(VARCHAR, DOUBLE), status_hi MAP(VARCHAR, DOUBLE),
    acceptance MAP(VARCHAR, DOUBLE), mean_rounds DOUBLE,
    outcomes_path VARCHAR, modified TIMESTAMP
"""
LIST_COLUMNS = ("path", "state", "scenario", "protocol", "engine", "seed", "n_runs", "p_war", "p_war_lo", "p_war_hi", "overrides_text", "problem")
MAP_COLUMNS = ("overrides", "status", "status_lo", "status_hi", "acceptance")


@dataclass
class Update:
    """What an update did: directories read (new or changed), dropped, and left as they were."""

    read: int = 0
    dropped: int = 0
    unchanged: int = 0


def _stat(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return "-"
    return f"{info.st_size}:{info.st_mtime_ns}"


def signature(run: Path) -> str:
    """What changes when a run directory's results do (module docstring), without reading them."""
    marker = "marked" if (run / rundir.MARKER).exists() else "-"
    parts = (_stat(run / rundir.SUMMARY), _stat(run / rundir.OUTCOMES), _stat(run / ".hydra" / "overrides.yaml"), marker)
    return "|".join(parts)


def is_run_dir(folder: Path) -> bool:
    return (folder / rundir.SUMMARY).is_file() or (folder / ".hydra").is_dir() or (folder / rundir.MARKER).is_file()


def find_run_dirs(root: Path) -> list[Path]:
    """Every run directory at or below ``root`` (not below a run directory); unreadable
    folders are skipped, as ``os.walk`` does."""
    found = []
    for folder, subfolders, _files in os.walk(root):
        here = Path(folder)
        if is_run_dir(here):
            found.append(here)
            subfolders.clear()
        else:
            subfolders[:] = sorted(name for name in subfolders if name not in HIDDEN_SKIPPED)
    return found


def row_of(run: Path, root: Path) -> dict:
    """The catalog row of one run directory (reads its ``summary.json`` and checks its outcomes)."""
    from analysis.report import war_estimate
    from analysis.sweep import read_run

    found = read_run(run)
    summary = found.summary or {}
    war = war_estimate(summary) if summary else {}
    statuses = summary.get("status", {})
    agreement = statuses.get("agreement", {})
    lock = summary.get("lock") or {}
    parent = run.parent
    in_sweep = run != root and (run.name.isdigit() or (parent / "multirun.yaml").is_file())
    return {
        "path": str(run),
        "root": str(root),
        "sweep_dir": str(parent) if in_sweep else None,
        "signature": signature(run),
        "state": found.state,
        "problem": found.problem,
        "scenario": summary.get("scenario"),
        "protocol": summary.get("protocol"),
        "engine": summary.get("engine"),
        "seed": summary.get("seed"),
        "n_runs": summary.get("n_runs"),
        "config_hash": summary.get("config_hash"),
        "version": summary.get("version"),
        "lock_sha256": lock.get("sha256"),
        "as_locked": lock.get("as_locked"),
        "overrides": dict(found.overrides),
        "overrides_text": " ".join(f"{key}={value}" for key, value in found.overrides.items()),
        "p_war": war.get("p"),
        "p_war_lo": war.get("lo"),
        "p_war_hi": war.get("hi"),
        "p_agreement": agreement.get("p"),
        "p_agreement_lo": agreement.get("lo"),
        "p_agreement_hi": agreement.get("hi"),
        "status": {name: est["p"] for name, est in statuses.items()},
        "status_lo": {name: est["lo"] for name, est in statuses.items()},
        "status_hi": {name: est["hi"] for name, est in statuses.items()},
        "acceptance": {name: est["p"] for name, est in summary.get("acceptance", {}).items()},
        "mean_rounds": summary.get("rounds", {}).get("mean"),
        "outcomes_path": str(run / rundir.OUTCOMES) if found.state == "ok" and (run / rundir.OUTCOMES).is_file() else None,
        "modified": _modified(run),
    }


def _modified(run: Path):
    import datetime

    try:
        stamp = max(p.stat().st_mtime for p in (run / rundir.SUMMARY, run) if p.exists())
    except OSError:
        return None
    return datetime.datetime.fromtimestamp(stamp)


class Catalog:
    """The catalog of the run directories under ``roots``, in the DuckDB database ``db`` (a
    file, kept between sessions; ``None``: in memory, for this object's lifetime).

    Folders given once are remembered in a file database: a later ``Catalog(db=...)`` updates
    them all. Every query first brings the catalog up to date (:meth:`update`), unless
    ``update=False``.
    """

    def __init__(self, roots=(), db: Path | str | None = None, read_only: bool = False) -> None:
        import duckdb

        self.db = Path(db) if db is not None else None
        try:
            self.connection = duckdb.connect(str(self.db) if self.db is not None else ":memory:", read_only=read_only)
        except duckdb.Error as error:
            raise ConfigError("db", str(db), _first_line(error)) from None
        self._create()
        for root in roots:
            self.add_root(root)

    def _create(self) -> None:
        sql = self.connection.execute
        sql("CREATE TABLE IF NOT EXISTS catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        found = sql("SELECT value FROM catalog_meta WHERE key = 'schema'").fetchone()
        if found is not None and found[0] != str(SCHEMA):  # an older catalog: rebuilt from the files
            sql("DROP TABLE IF EXISTS runs")
        sql(f"CREATE TABLE IF NOT EXISTS runs ({COLUMNS})")
        sql("CREATE TABLE IF NOT EXISTS roots (path VARCHAR PRIMARY KEY)")
        sql("INSERT OR REPLACE INTO catalog_meta VALUES ('schema', ?)", [str(SCHEMA)])

    def add_root(self, root: Path | str) -> Path:
        """Catalog the run directories under ``root`` from now on."""
        path = Path(root).expanduser()
        if not path.is_dir():
            raise ConfigError("root", str(root), "no such directory" if not path.exists() else "not a directory")
        path = path.resolve()
        self.connection.execute("INSERT OR REPLACE INTO roots VALUES (?)", [str(path)])
        return path

    @property
    def roots(self) -> list[Path]:
        return [Path(row[0]) for row in self.connection.execute("SELECT path FROM roots ORDER BY path").fetchall()]

    def update(self) -> Update:
        """Walk the roots; read the run directories that are new or changed, drop the gone."""
        done = Update()
        known = dict(self.connection.execute("SELECT path, signature FROM runs").fetchall())
        seen: set[str] = set()
        rows = []
        for root in self.roots:
            if not root.is_dir():
                continue  # a root that is gone: its runs are dropped below
            for run in find_run_dirs(root):
                key = str(run)
                if key in seen:  # nested roots
                    continue
                seen.add(key)
                if known.get(key) == signature(run):
                    done.unchanged += 1
                    continue
                rows.append(row_of(run, root))
        gone = [path for path in known if path not in seen]
        self.connection.execute("BEGIN TRANSACTION")
        try:
            for path in gone:
                self.connection.execute("DELETE FROM runs WHERE path = ?", [path])
            for row in rows:
                self._insert(row)
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        done.read, done.dropped = len(rows), len(gone)
        return done

    def _insert(self, row: dict) -> None:
        names = list(row)
        values, placeholders = [], []
        for name in names:
            if name in MAP_COLUMNS:
                kind = "VARCHAR" if name == "overrides" else "DOUBLE"
                placeholders.append(f"MAP(?::VARCHAR[], ?::{kind}[])")
                values += [list(row[name]), list(row[name].values())]
            else:
                placeholders.append("?")
                values.append(row[name])
        self.connection.execute(f"INSERT OR REPLACE INTO runs ({', '.join(names)}) VALUES ({', '.join(placeholders)})", values)

    # --- questions ----------------------------------------------------------------------
    def selection(self, where: str | None, columns=None, order: str = "path") -> str:
        """``SELECT columns FROM runs WHERE where ORDER BY order`` (all columns but the signature)."""
        chosen = ", ".join(columns) if columns else "* EXCLUDE (signature)"
        return f"SELECT {chosen} FROM runs" + (f" WHERE {where}" if where else "") + f" ORDER BY {order}"

    def query(self, sql: str, update: bool = True):
        """Any SQL over the table ``runs`` (a DuckDB relation; ``.df()``, ``.fetchall()``)."""
        import duckdb

        if update:
            self.update()
        try:
            return self.connection.sql(sql)
        except duckdb.Error as error:
            raise ConfigError("sql", sql, _first_line(error)) from None

    def sql(self, sql: str, update: bool = True):
        """The result of a SQL query over ``runs`` as a pandas DataFrame."""
        return self.query(sql, update).df()

    def list(self, where: str | None = None, columns=None, update: bool = True):
        """The runs (``WHERE where``, in SQL over the columns of the module docstring), as a
        pandas DataFrame."""
        return self.sql(self.selection(where, columns), update)

    def export(self, path: Path | str, where: str | None = None, columns=None, update: bool = True) -> Path:
        """The runs (as :meth:`list`) to a CSV or Parquet file (by its suffix)."""
        path = Path(path)
        kind = {".csv": "CSV, HEADER", ".parquet": "PARQUET"}.get(path.suffix.lower())
        if kind is None:
            raise ConfigError("export", str(path), "the file must end in .csv or .parquet")
        relation = self.query(self.selection(where, columns), update)
        from sim import atomic

        with atomic.Replacement(path) as partial:
            relation.to_view("negsim_export", replace=True)
            self.connection.execute(f"COPY negsim_export TO '{_sql_string(str(partial))}' (FORMAT {kind})")
        return path

    def outcomes(self, where: str | None = None, update: bool = True):
        """The outcomes tables of the complete runs (``WHERE where``) read by DuckDB from their
        Parquet files, one DataFrame with a ``run_dir`` column (columns by name: a scenario
        without a column leaves it empty; levels and statuses come back as strings, not
        categories)."""
        condition = "state = 'ok' AND outcomes_path IS NOT NULL" + (f" AND ({where})" if where else "")
        paths = [row[0] for row in self.query(self.selection(condition, ["outcomes_path"]), update).fetchall()]
        if not paths:
            raise ConfigError("where", where, "no complete run with an outcomes table matches")
        files = ", ".join(f"'{_sql_string(p)}'" for p in paths)
        frame = self.connection.sql(f"SELECT * FROM read_parquet([{files}], filename = true, union_by_name = true)").df()
        frame.insert(0, "run_dir", frame.pop("filename").map(lambda name: str(Path(name).parent)))
        return frame

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
