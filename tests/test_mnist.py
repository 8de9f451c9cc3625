"""Tests for autograder/handout/mnist.py: the real files, downloads from a local HTTP server, error messages, the CLI."""

from __future__ import annotations

import ast
import gzip
import http.server
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from autograder import paths
from autograder.handout import mnist
from autograder.handout.mnist import FILES, SHA256, MnistError

REPO = Path(__file__).resolve().parents[1]
MODULE_FILE = REPO / "autograder" / "handout" / "mnist.py"
SMALL = "t10k-labels-idx1-ubyte.gz"  # 4.5 KB
MEDIUM = "t10k-images-idx3-ubyte.gz"  # 1.6 MB


# ---------------------------------------------------------------- helpers


def idx_gz(path: Path, magic: int, dims: tuple[int, ...], data: bytes) -> Path:
    """Write a gzip'd IDX file with the given header and payload."""
    path.write_bytes(gzip.compress(struct.pack(f">I{len(dims)}I", magic, *dims) + data))
    return path


def link_all_but(mnist_dir: Path, dest: Path, *missing: str) -> None:
    """Put symlinks to the real files into `dest`, except the `missing` ones."""
    for name in FILES.values():
        if name not in missing:
            (dest / name).symlink_to(mnist_dir / name)


class MirrorServer:
    """A real HTTP server on 127.0.0.1 that serves the MNIST files under several "mirrors" (URL prefixes).

    /good/   serves the files and honors `Range: bytes=N-` with 206 Partial Content
    /norange/ ignores Range and always answers 200 with the whole file
    /corrupt/ serves the files with one byte flipped
    /drop/   the first request for each file announces the full length but closes after half of it
    /404/, /500/ answer with that status
    """

    def __init__(self, files: dict[str, bytes]):
        self.files, self.log, self.dropped = files, [], set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                _, mode, name = self.path.split("/", 2)
                rng = self.headers.get("Range")
                entry = {"mode": mode, "name": name, "range": rng, "status": None, "sent": 0}
                outer.log.append(entry)
                if mode in ("404", "500") or name not in outer.files:
                    entry["status"] = 404 if mode != "500" else 500
                    self.send_error(entry["status"])
                    return
                data = outer.files[name]
                if mode == "corrupt":
                    data = data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:]
                start = int(rng.removeprefix("bytes=").rstrip("-")) if rng and mode != "norange" else 0
                if start >= len(data) and rng:
                    entry["status"] = 416
                    self.send_error(416)
                    return
                body = data[start:]
                entry["status"] = 206 if start else 200
                self.send_response(entry["status"])
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "drop" and name not in outer.dropped:
                    outer.dropped.add(name)
                    body = body[: len(body) // 2]
                    self.close_connection = True
                entry["sent"] = len(body)  # recorded before writing: the client may finish first
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, mode: str) -> str:
        return f"{self.base}/{mode}/"

    def requests(self, **match) -> list[dict]:
        return [e for e in self.log if all(e[k] == v for k, v in match.items())]


@pytest.fixture(scope="session")
def real_bytes(mnist_dir) -> dict[str, bytes]:
    return {name: (mnist_dir / name).read_bytes() for name in FILES.values()}


@pytest.fixture
def server(real_bytes):
    srv = MirrorServer(real_bytes)
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def dead_url() -> str:
    """A URL on a local port where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def fetch(directory, *mirrors, **kw) -> Path:
    """download() with test-friendly defaults: no bar, no backoff, short timeout."""
    kw = {"progress": False, "backoff": 0, "timeout": 5.0, **kw}
    return mnist.download(directory, mirrors=mirrors, **kw)


# ---------------------------------------------------------------- the real files


@pytest.fixture(scope="session")
def data(mnist_dir):
    return mnist.load_mnist(mnist_dir)


def test_real_files_verify(mnist_dir):
    """Do the shared files pass verify(), i.e. do the SHA256 constants match the official files?"""
    mnist.verify(mnist_dir)
    sums = dict(reversed(line.split()) for line in (mnist_dir / "SHA256SUMS").read_text().splitlines())
    assert SHA256 == sums
    assert set(FILES.values()) == set(SHA256)


def test_load_mnist_shapes_dtypes_ranges(data):
    """Does load_mnist return the documented shapes and dtypes, pixels scaled to [0, 1], labels 0..9?"""
    X_train, y_train, X_test, y_test = data
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    for X in (X_train, X_test):
        assert X.min() == 0.0 and X.max() == 1.0
    for y in (y_train, y_test):
        assert set(np.unique(y)) == set(range(10))


def test_load_mnist_known_facts(data, mnist_dir):
    """Is the data really MNIST in the official order, scaled by 1/255 (not e.g. standardized)?"""
    X_train, y_train, X_test, y_test = data
    assert y_train[0] == 5 and y_test[0] == 7
    assert np.bincount(y_train)[1] == 6742 and np.bincount(y_test)[1] == 1135
    assert abs(X_train.mean() - 0.1307) < 1e-3  # the well-known MNIST normalisation constants
    assert abs(X_train.std() - 0.3081) < 1e-3
    # pixels are k/255 exactly: the raw uint8 values come back when multiplied by 255
    assert np.array_equal(np.round(X_test[0] * 255), mnist.read_idx(mnist_dir / MEDIUM)[0].ravel())


def test_images_load_without_labels(mnist_dir, tmp_path):
    """Can the grader hand out the test images alone (no labels file anywhere) and still load them?"""
    (tmp_path / MEDIUM).symlink_to(mnist_dir / MEDIUM)
    X = mnist.load_images("test", tmp_path)
    assert X.shape == (10000, 784)
    with pytest.raises(MnistError, match="not found"):
        mnist.load_labels("test", tmp_path)


def test_resolve_data_dir_precedence(monkeypatch, tmp_path):
    """Does the explicit argument beat $NNGRADER_DATA_DIR, which beats ~/.cache/nngrader/mnist?"""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(mnist.ENV_VAR, raising=False)
    assert mnist.resolve_data_dir() == tmp_path / "home" / ".cache" / "nngrader" / "mnist"
    monkeypatch.setenv(mnist.ENV_VAR, str(tmp_path / "env"))
    assert mnist.resolve_data_dir() == tmp_path / "env"
    assert mnist.resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert mnist.resolve_data_dir(str(tmp_path / "arg")) == tmp_path / "arg"


# ---------------------------------------------------------------- downloads from a local server


def test_fresh_download_of_all_files(server, tmp_path):
    """Does a download into an empty (not yet existing) directory produce four verified files and no leftovers?"""
    target = tmp_path / "new" / "dir"
    assert fetch(target, server.url("good"), progress=True) == target
    mnist.verify(target)
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES.values())
    assert len(server.requests(mode="good", status=200)) == 4


def test_download_skips_intact_files_and_replaces_corrupt_ones(server, mnist_dir, tmp_path):
    """Are intact files left alone (no request at all), while a corrupt final file is downloaded again?"""
    link_all_but(mnist_dir, tmp_path, SMALL)
    (tmp_path / SMALL).write_bytes(b"garbage")
    fetch(tmp_path, server.url("good"))
    assert [e["name"] for e in server.log] == [SMALL]
    mnist.verify(tmp_path)


def test_resume_partial_download(server, mnist_dir, real_bytes, tmp_path):
    """Is a truncated .part resumed with a Range request, fetching only the missing bytes?"""
    link_all_but(mnist_dir, tmp_path, MEDIUM)
    have = 600_000
    (tmp_path / (MEDIUM + ".part")).write_bytes(real_bytes[MEDIUM][:have])
    fetch(tmp_path, server.url("good"))
    (req,) = server.log
    assert req["range"] == f"bytes={have}-" and req["status"] == 206
    assert req["sent"] == len(real_bytes[MEDIUM]) - have
    mnist.verify(tmp_path)
    assert not (tmp_path / (MEDIUM + ".part")).exists()


def test_resume_when_server_ignores_range(server, mnist_dir, real_bytes, tmp_path):
    """If the server answers a Range request with 200 (whole file), is the .part restarted rather than appended to?"""
    link_all_but(mnist_dir, tmp_path, MEDIUM)
    (tmp_path / (MEDIUM + ".part")).write_bytes(real_bytes[MEDIUM][:600_000])
    fetch(tmp_path, server.url("norange"), retries=1)
    (req,) = server.log
    assert req["range"] is not None and req["status"] == 200
    mnist.verify(tmp_path)


def test_dropped_connection_is_resumed_on_retry(server, mnist_dir, real_bytes, tmp_path):
    """When the connection drops mid-file, does the next attempt resume from where it stopped?"""
    link_all_but(mnist_dir, tmp_path, MEDIUM)
    fetch(tmp_path, server.url("drop"))
    first, second = server.log
    assert first["range"] is None and first["sent"] == len(real_bytes[MEDIUM]) // 2
    assert second["range"] == f"bytes={first['sent']}-" and second["status"] == 206
    mnist.verify(tmp_path)


def test_oversized_part_file_starts_over(server, mnist_dir, real_bytes, tmp_path):
    """Is a stale .part longer than the real file (server answers 416) discarded and the file fetched afresh?"""
    link_all_but(mnist_dir, tmp_path, SMALL)
    (tmp_path / (SMALL + ".part")).write_bytes(b"x" * (len(real_bytes[SMALL]) + 10))
    fetch(tmp_path, server.url("good"))
    assert [e["status"] for e in server.log] == [416, 200]
    mnist.verify(tmp_path)


@pytest.mark.parametrize("bad", ["404", "500", "dead"])
def test_falls_back_to_second_mirror(server, mnist_dir, dead_url, tmp_path, bad):
    """Does a first mirror that answers 404/500 or is unreachable fall back to the second one?"""
    link_all_but(mnist_dir, tmp_path, SMALL)
    first = dead_url if bad == "dead" else server.url(bad)
    fetch(tmp_path, first, server.url("good"), retries=2)
    mnist.verify(tmp_path)
    assert len(server.requests(mode="good")) == 1
    # a 404 means the mirror lacks the file: not retried; a 500 may be transient: retried
    assert len(server.requests(mode=bad)) == {"404": 1, "500": 2, "dead": 0}[bad]


def test_corrupt_mirror_is_rejected(server, mnist_dir, tmp_path):
    """Are bytes with the wrong checksum rejected, never landing under the final name, and the next mirror used?"""
    link_all_but(mnist_dir, tmp_path, SMALL)
    with pytest.raises(MnistError, match="checksum mismatch") as err:
        fetch(tmp_path, server.url("corrupt"), retries=2)
    assert server.url("corrupt") + SMALL in str(err.value)
    assert not (tmp_path / SMALL).exists() and not (tmp_path / (SMALL + ".part")).exists()
    assert len(server.requests(mode="corrupt")) == 2  # each attempt starts from zero, not from the bad bytes
    fetch(tmp_path, server.url("corrupt"), server.url("good"), retries=1)
    mnist.verify(tmp_path)


def test_all_mirrors_fail_lists_each(server, mnist_dir, dead_url, tmp_path):
    """When every mirror fails, does MnistError name the file and each mirror with its own error?"""
    link_all_but(mnist_dir, tmp_path, SMALL)
    with pytest.raises(MnistError) as err:
        fetch(tmp_path, server.url("404"), server.url("500"), dead_url, retries=1)
    msg = str(err.value)
    assert str(tmp_path / SMALL) in msg
    assert f"{server.url('404')}{SMALL}: HTTP 404" in msg
    assert f"{server.url('500')}{SMALL}: HTTP 500" in msg
    assert f"{dead_url}{SMALL}: " in msg and "refused" in msg.lower()
    assert not (tmp_path / SMALL).exists()


def test_progress_bar_without_tqdm(server, mnist_dir, tmp_path, monkeypatch):
    """Does progress=True still work when tqdm is not installed (as in a bare student environment)?"""
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `from tqdm import tqdm` raise ImportError
    link_all_but(mnist_dir, tmp_path, SMALL)
    fetch(tmp_path, server.url("good"), progress=True)
    mnist.verify(tmp_path)


# ---------------------------------------------------------------- clear errors


def test_missing_file_message(tmp_path):
    """Does a missing file name its full path and tell the user how to get the data?"""
    with pytest.raises(MnistError) as err:
        mnist.load_images("train", tmp_path)
    msg = str(err.value)
    assert str(tmp_path / FILES["train_images"]) in msg and "not found" in msg
    assert "make data" in msg and "download" in msg and mnist.ENV_VAR in msg
    with pytest.raises(MnistError, match="not found"):
        mnist.read_idx(tmp_path / "nope.gz")


def test_wrong_checksum_message(mnist_dir, tmp_path):
    """Is a file with the wrong content reported with both checksums, while check=False still loads it?"""
    link_all_but(mnist_dir, tmp_path, SMALL)
    idx_gz(tmp_path / SMALL, 0x801, (3,), bytes([1, 2, 3]))
    with pytest.raises(MnistError) as err:
        mnist.verify(tmp_path)
    msg = str(err.value)
    assert str(tmp_path / SMALL) in msg
    assert f"checksum mismatch: expected {SHA256[SMALL]}, got {mnist._sha256(tmp_path / SMALL)}" in msg
    assert "delete it and download again" in msg
    with pytest.raises(MnistError, match="checksum mismatch"):
        mnist.load_labels("test", tmp_path)
    assert mnist.load_labels("test", tmp_path, check=False).tolist() == [1, 2, 3]


def test_read_idx_crafted_files(tmp_path):
    """Does read_idx parse well-formed images and labels into uint8 arrays of the announced shape?"""
    pixels = bytes(range(24))
    images = mnist.read_idx(idx_gz(tmp_path / "i.gz", 0x803, (2, 3, 4), pixels))
    assert images.dtype == np.uint8 and images.shape == (2, 3, 4)
    assert images.ravel().tolist() == list(pixels)
    images[0, 0, 0] = 7  # a normal, writable array
    labels = mnist.read_idx(idx_gz(tmp_path / "l.gz", 0x801, (4,), bytes([9, 0, 3, 1])))
    assert labels.shape == (4,) and labels.tolist() == [9, 0, 3, 1]


@pytest.mark.parametrize("case, expected", [
    ("truncated", "truncated"),
    ("short_header", "truncated"),
    ("extra", "extra bytes"),
    ("not_gzip", "not a valid gzip file"),
    ("cut_gzip", "not a valid gzip file"),
    ("bad_magic", "not an IDX file"),
    ("empty_gzip", "not an IDX file"),
])
def test_read_idx_rejects_broken_files(tmp_path, real_bytes, case, expected):
    """Is each kind of broken file reported as MnistError with a specific cause and the path?"""
    path = tmp_path / "broken.gz"
    if case == "truncated":
        idx_gz(path, 0x803, (10, 28, 28), bytes(5 * 28 * 28))
    elif case == "short_header":
        path.write_bytes(gzip.compress(struct.pack(">II", 0x803, 10)))
    elif case == "extra":
        idx_gz(path, 0x801, (3,), bytes(4))
    elif case == "not_gzip":
        path.write_text("<html>404 Not Found</html>")
    elif case == "cut_gzip":
        path.write_bytes(real_bytes[SMALL][:2000])
    elif case == "bad_magic":
        path.write_bytes(gzip.compress(b"hello, this is not an IDX file at all"))
    elif case == "empty_gzip":
        path.write_bytes(gzip.compress(b""))
    with pytest.raises(MnistError, match=expected) as err:
        mnist.read_idx(path)
    assert str(path) in str(err.value)


def test_images_file_holding_labels(mnist_dir, tmp_path):
    """Is a labels file in the images slot caught (with check=False) instead of returning nonsense shapes?"""
    (tmp_path / FILES["test_images"]).symlink_to(mnist_dir / FILES["test_labels"])
    with pytest.raises(MnistError, match="holds labels, not images"):
        mnist.load_images("test", tmp_path, check=False)


@pytest.mark.parametrize("split", ["val", "Train", "t10k", ""])
def test_invalid_split(split, tmp_path):
    """Does an unknown split raise ValueError naming the valid values, before touching the disk?"""
    for load in (mnist.load_images, mnist.load_labels):
        with pytest.raises(ValueError, match="'train' or 'test'"):
            load(split, tmp_path)


# ---------------------------------------------------------------- CLI and self-containment


def run_cli(*args, cwd=REPO, module="autograder.handout.mnist"):
    env = {k: v for k, v in os.environ.items() if k != mnist.ENV_VAR}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_verify_ok(mnist_dir):
    """Does `python -m autograder.handout.mnist verify --dir D` exit 0 and print one OK line per file?"""
    result = run_cli("verify", "--dir", str(mnist_dir))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and all(line.startswith("OK") for line in lines)


def test_cli_verify_empty_dir(tmp_path):
    """On an empty directory, does verify exit 1 with a helpful message on stderr and no traceback?"""
    result = run_cli("verify", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "not found" in result.stderr and str(tmp_path) in result.stderr
    assert "python -m autograder.handout.mnist download" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_download_from_mirror(server, mnist_dir, tmp_path, capsys):
    """Does the download subcommand fetch from a --mirror and exit 0; and exit 1 cleanly when it fails?"""
    link_all_but(mnist_dir, tmp_path, SMALL)
    assert mnist.main(["download", "--dir", str(tmp_path), "--mirror", server.url("good"), "--no-progress"]) == 0
    mnist.verify(tmp_path)
    (tmp_path / SMALL).unlink()
    assert mnist.main(["download", "--dir", str(tmp_path), "--mirror", server.url("404"), "--no-progress"]) == 1
    assert "HTTP 404" in capsys.readouterr().err


def test_module_is_self_contained(mnist_dir, tmp_path):
    """Can a student copy mnist.py alone into a folder and use it (imports only stdlib, numpy, tqdm)?"""
    tree = ast.parse(MODULE_FILE.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert imported - set(sys.stdlib_module_names) == {"numpy", "tqdm"}
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
    shutil.copy(MODULE_FILE, tmp_path / "mnist.py")
    ok = run_cli("verify", "--dir", str(mnist_dir), cwd=tmp_path, module="mnist")
    assert ok.returncode == 0, ok.stderr
    missing = run_cli("verify", "--dir", str(tmp_path), cwd=tmp_path, module="mnist")
    assert missing.returncode == 1 and "python -m mnist download" in missing.stderr


def test_the_students_copy_names_only_what_students_can_run(tmp_path):
    """Does the students' mnist.py (imported as `mnist` in their folder) tell them to run `python -m mnist
    download`, never `make data` (students have no Makefile)?"""
    code = f"import mnist\ntry:\n    mnist.load_images('train', {str(tmp_path)!r})\nexcept mnist.MnistError as e:\n    print(e)"
    done = subprocess.run([sys.executable, "-c", code], cwd=paths.ASSIGNMENTS / "week03", capture_output=True,
                          text=True, timeout=60)
    assert "python -m mnist download" in done.stdout and "make" not in done.stdout, done.stdout + done.stderr
