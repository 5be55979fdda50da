"""A class session's seats, kept in one local SQLite file for the teacher's debrief.

Every finished seat (:mod:`sim.teaching.seat`) is one row: who played (session and name are
optional), the scenario, protocol, seed, world and actor, how it ended, the student's choices
round by round, and what the agents did (in this world, and over the Monte Carlo's worlds).

Why SQLite: it is in the standard library, one file the teacher can copy, and it serialises
writers itself. Several browser tabs finish at once on a classroom server, so each write opens
its own connection and takes the write lock at once (``BEGIN IMMEDIATE``) with a busy timeout:
concurrent writers wait for each other instead of failing. The write-ahead log lets the
debrief page read while students write.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

DEFAULT_PATH = Path("outputs") / "classroom" / "seats.sqlite"
"""Where ``negsim-dashboard`` keeps the seats: under ``outputs/`` of the folder it was started
in, beside ``negsim``'s own run directories."""

BUSY_SECONDS = 30.0
COLUMNS = (
    "created", "session", "student", "scenario", "protocol", "seed", "world", "actor", "status", "rounds",
    "highest_rung", "package", "choices", "agents_status", "agents_rounds", "agents_n", "agents_p", "agents_lo",
    "agents_hi",
)  # fmt: skip
SCHEMA = """
CREATE TABLE IF NOT EXISTS seats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,          -- seconds since the epoch
    session TEXT NOT NULL,          -- the class session ('' if not given)
    student TEXT NOT NULL,          -- the student's name ('' if not given)
    scenario TEXT NOT NULL,
    protocol TEXT NOT NULL,
    seed INTEGER NOT NULL,
    world INTEGER NOT NULL,         -- the run k whose draws were played
    actor TEXT NOT NULL,            -- the seat
    status TEXT NOT NULL,
    rounds INTEGER NOT NULL,
    highest_rung INTEGER NOT NULL,
    package TEXT NOT NULL,          -- JSON: the final text, a level name per item
    choices TEXT NOT NULL,          -- JSON: per round, the student's and the agent's decisions
    agents_status TEXT NOT NULL,    -- the agents-only run of the same world
    agents_rounds INTEGER NOT NULL,
    agents_n INTEGER NOT NULL,      -- agent-played worlds of the same scenario and seed
    agents_p REAL NOT NULL,         -- their share with the student's status, and its 95% Wilson interval
    agents_lo REAL NOT NULL,
    agents_hi REAL NOT NULL
)
"""
LIMITS = {"session": 80, "student": 80}


class SeatStore:
    """The seats of a classroom, in the SQLite file ``path`` (created with its folder)."""

    def __init__(self, path: Path | str = DEFAULT_PATH) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection, connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)

    def add(self, row: dict) -> int:
        """Store one finished seat; returns its id. ``package`` and ``choices`` are stored as
        JSON; a missing or too long session or name is refused."""
        missing = [c for c in COLUMNS if c not in row and c != "created"]
        if missing:
            raise ValueError(f"a seat's result needs {missing}")
        values = {**row, "created": row.get("created", time.time())}
        for key, limit in LIMITS.items():
            if not isinstance(values[key], str) or len(values[key]) > limit:
                raise ValueError(f"{key} must be text of at most {limit} characters")
        values["package"] = json.dumps(values["package"])
        values["choices"] = json.dumps(values["choices"])
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                cursor = connection.execute(
                    f"INSERT INTO seats ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                    [values[c] for c in COLUMNS],
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            return int(cursor.lastrowid)

    def results(self, session: str | None = None) -> list[dict]:
        """Every stored seat (of ``session``, if given), oldest first."""
        query, arguments = "SELECT * FROM seats", ()
        if session is not None:
            query, arguments = query + " WHERE session = ?", (session,)
        with closing(self._connect()) as connection:
            connection.row_factory = sqlite3.Row
            rows = [dict(r) for r in connection.execute(query + " ORDER BY id", arguments)]
        for row in rows:
            row["package"], row["choices"] = json.loads(row["package"]), json.loads(row["choices"])
        return rows
