"""``negsim-dashboard``'s address, checked before the server starts: a port that is not a port
is bad input (one line, exit 2), a port that is taken is the machine's (one line, exit 1), and a
host other than this machine's loopback gets a warning."""

from __future__ import annotations

import socket

import pytest

from sim.teaching import dashboard


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


CASES = [  # (id, arguments, exit status, text of the one line)
    ("port_too_large", ["--port", "99999"], 2, "--port: 99999 is not a port number"),
    ("port_zero", ["--port", "0"], 2, "--port: 0 is not a port number"),
    ("port_not_a_number", ["--port", "abc"], 2, "invalid int value: 'abc'"),
    ("host_unknown", ["--host", "no-such-host.invalid"], 2, "--host: cannot resolve"),
    ("port_taken", ["--port", "{taken}"], 1, "cannot listen on 127.0.0.1:{taken}: Address already in use"),
]


@pytest.mark.parametrize("args, status, text", [pytest.param(a, s, t, id=i) for i, a, s, t in CASES])
def test_bad_address_is_one_line(capsys, monkeypatch, taken_port, args, status, text):
    monkeypatch.setattr(dashboard, "serve", lambda *a, **k: pytest.fail("served despite a bad address"))
    with pytest.raises(SystemExit) as exit_info:
        dashboard.main([arg.format(taken=taken_port) for arg in args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert exit_info.value.code == status
    assert len(lines) == 1 and lines[0].startswith("negsim-dashboard: error: "), lines
    assert text.format(taken=taken_port) in lines[0], lines


@pytest.mark.parametrize("host, warned", [("127.0.0.1", False), ("0.0.0.0", True)])
def test_a_host_beyond_loopback_is_warned_of(capsys, monkeypatch, host, warned):
    served = []
    monkeypatch.setattr(dashboard, "serve", lambda *a, **k: served.append(a))
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    dashboard.main(["--host", host, "--port", str(port)])
    err = capsys.readouterr().err
    assert served and (("warning: listening on 0.0.0.0" in err) == warned), err
