"""open_run, the output-directory errors, and progress reporting."""

from __future__ import annotations

import io
import logging

import h5py
import pytest

import multiscale
from multiscale.cli import main
from multiscale.errors import UserError
from multiscale.progress import Progress


def test_open_run_gives_one_tree(minimal_params, tmp_path):
    run_dir = multiscale.run(minimal_params, out=tmp_path / "r")
    tree = multiscale.open_run(run_dir)
    assert set(tree.children) == {"atomistic"}
    assert tree["atomistic/diffusion"].to_dataset().temperature.attrs["units"] == "K"
    assert tree["atomistic"].attrs["complete"] == 1
    tree.close()


def test_closing_the_run_tree_closes_its_files(minimal_params, tmp_path):
    """The tree ``open_run`` returns holds copies of the files' trees; closing it closes the files
    (HDF5 refuses to open a file for writing that a reader still holds: the lock)."""
    run_dir = multiscale.run(minimal_params, out=tmp_path / "r")
    tree = multiscale.open_run(run_dir)
    assert tree["atomistic"].attrs["complete"] == 1
    tree.close()
    with h5py.File(run_dir / "atomistic.h5", "r+") as handle:
        assert handle.attrs["complete"] == 1


def test_open_run_leaves_out_incomplete_files(minimal_params, tmp_path):
    run_dir = multiscale.run(minimal_params, out=tmp_path / "r")
    (run_dir / "kmc.h5").write_bytes(b"half written")
    tree = multiscale.open_run(run_dir)
    assert "kmc" not in tree.children
    tree.close()


@pytest.mark.parametrize("make", [lambda p: None, lambda p: p.mkdir()])
def test_open_run_errors(tmp_path, make):
    target = tmp_path / "nothing"
    make(target)
    with pytest.raises(UserError):
        multiscale.open_run(target)


def test_out_that_is_a_file_exits_2(minimal_params, tmp_path, capsys):
    (tmp_path / "taken").write_text("")
    assert main(["run", str(minimal_params), "--out", str(tmp_path / "taken" / "r")]) == 2
    assert "cannot create the run directory" in capsys.readouterr().err


def test_progress_logs_without_a_terminal(caplog):
    log = logging.getLogger("multiscale.test")
    caplog.set_level(logging.INFO, logger="multiscale.test")
    with Progress(4, "events", log, interval_s=3600) as bar:
        for _ in range(4):
            bar.update()
    assert [r.getMessage() for r in caplog.records] == ["events: 4/4 (100 %)"]  # only at the end


def test_progress_draws_a_bar_on_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    fake = Tty()
    monkeypatch.setattr("sys.stderr", fake)
    with Progress(3, "events", logging.getLogger("multiscale.test")) as bar:
        bar.update(3)
    drawn = fake.getvalue()
    assert "events:" in drawn and "0/3" in drawn and "it/s" in drawn  # a tqdm bar, not log lines
