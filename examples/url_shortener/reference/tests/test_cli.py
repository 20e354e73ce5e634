import json
import os
import subprocess
import sys

import pytest

from shortener.cli import build_parser, main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def run(tmp_path, capsys):
    """Run the CLI on a database in tmp_path; return (status, stdout, stderr)."""
    database = str(tmp_path / "links.db")

    def run_cli(*args):
        status = main(["--db", database, *args])
        out, err = capsys.readouterr()
        return status, out, err

    return run_cli


def test_F8_shorten_prints_the_code_and_resolve_prints_the_url(run):
    assert run("shorten", "https://example.com/a") == (0, "1\n", "")
    assert run("resolve", "1") == (0, "https://example.com/a\n", "")


def test_F8_alias_and_ttl_options(run):
    assert run("shorten", "https://example.com/b", "--alias", "bee", "--ttl", "60")[:2] == (0, "bee\n")
    status, out, _ = run("stats", "bee")
    assert status == 0
    stats = json.loads(out)
    assert stats["expires_at"] - stats["created_at"] == 60


def test_F8_stats_prints_json_with_clicks(run):
    run("shorten", "https://example.com/c")
    run("resolve", "1")
    run("resolve", "1")
    status, out, _ = run("stats", "1")
    assert status == 0
    assert json.loads(out)["clicks"] == 2


def test_F8_list_prints_tab_separated_lines_in_creation_order(run):
    run("shorten", "https://example.com/1")
    run("shorten", "https://example.com/2", "--alias", "two")
    run("resolve", "two")
    status, out, _ = run("list")
    assert status == 0
    assert out == "1\t0\thttps://example.com/1\ntwo\t1\thttps://example.com/2\n"


@pytest.mark.parametrize(
    "args, fragment",
    [(("shorten", "ftp://example.com"), "http"),
     (("shorten", "https://example.com", "--ttl", "0"), "TTL"),
     (("resolve", "missing"), "missing"),
     (("stats", "missing"), "missing")],
)
def test_F8_errors_go_to_stderr_with_status_1(run, args, fragment):
    status, out, err = run(*args)
    assert (status, out) == (1, "")
    assert err.startswith("error: ") and fragment in err


def test_F8_taken_alias_is_an_error(run):
    run("shorten", "https://example.com/1", "--alias", "dup")
    status, _, err = run("shorten", "https://example.com/2", "--alias", "dup")
    assert status == 1
    assert "already in use" in err


def test_F8_unopenable_database_is_an_error(tmp_path, capsys):
    status = main(["--db", str(tmp_path / "no" / "such" / "dir.db"), "list"])
    assert status == 1
    assert "cannot open the database" in capsys.readouterr().err


def test_F8_usage_errors_exit_with_status_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_F8_database_defaults_to_the_environment_variable(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHORTENER_DB", str(tmp_path / "env.db"))
    assert main(["shorten", "https://example.com/env"]) == 0
    assert (tmp_path / "env.db").exists()
    assert capsys.readouterr().out == "1\n"


def test_F8_serve_options_parse():
    args = build_parser().parse_args(["serve", "--port", "0", "--base-url", "https://sho.rt"])
    assert (args.command, args.host, args.port, args.base_url) == ("serve", "127.0.0.1", 0, "https://sho.rt")


def test_F8_python_dash_m_runs_the_cli(tmp_path):
    database = str(tmp_path / "m.db")
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "shortener", "--db", database, "shorten", "https://example.com/m"],
        capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=30,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "1\n", "")
