"""Load (and, if needed, download) the MNIST handwritten digits with nothing but NumPy.

MNIST is four gzip'd files in the IDX format: 60,000 training and 10,000 test
images of 28x28 gray pixels, each with its label (the digit 0-9).

    from mnist import load_mnist
    X_train, y_train, X_test, y_test = load_mnist()   # (60000, 784) (60000,) (10000, 784) (10000,)

The files are looked for in the directory you pass, else in $NNGRADER_DATA_DIR,
else in ~/.cache/nngrader/mnist. To fetch or check them from a terminal:

    python -m mnist download        # (instructors, in the course kit: make data)
    python -m mnist verify

Only the standard library and NumPy are needed; tqdm, if installed, draws a progress bar.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import math
import os
import struct
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
ENV_VAR = "NNGRADER_DATA_DIR"
SPLITS = ("train", "test")

_IDX_NDIM = {0x00000801: 1, 0x00000803: 3}  # IDX magic number -> number of dimensions (labels, images)
# "autograder.handout.mnist" in the kit, "mnist" for students
_MODULE = __spec__.name if __spec__ is not None else "mnist"
# Students have no Makefile: their message names only what they can run.
_FIX = ("To get MNIST, run " + ("`python -m mnist download`" if _MODULE == "mnist" else
                             f"`make data` (or `python -m {_MODULE} download`)")
        + f", or set {ENV_VAR} to a directory holding the four files.")


class MnistError(Exception):
    """A missing, corrupt or undownloadable MNIST file; the message names the file and the fix."""


def resolve_data_dir(directory: str | os.PathLike | None = None) -> Path:
    """The data directory: `directory` if given, else $NNGRADER_DATA_DIR, else ~/.cache/nngrader/mnist."""
    if directory is not None:
        return Path(directory).expanduser()
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR]).expanduser()
    return Path.home() / ".cache" / "nngrader" / "mnist"


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_file(path: Path) -> None:
    """Raise MnistError unless `path` exists and has the official SHA-256."""
    if not path.is_file():
        raise MnistError(f"{path}: not found. {_FIX}")
    expected, got = SHA256[path.name], _sha256(path)
    if got != expected:
        raise MnistError(f"{path}: checksum mismatch: expected {expected}, got {got}; the file is corrupt "
                         f"or incomplete: delete it and download again (`python -m {_MODULE} download`).")


def verify(directory: str | os.PathLike | None = None) -> None:
    """Check that the four files exist with the right SHA-256; raise MnistError naming the first bad one."""
    directory = resolve_data_dir(directory)
    for name in FILES.values():
        _check_file(directory / name)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse one gzip'd IDX file into a uint8 array: images (count, rows, cols) or labels (count,).

    Layout after decompression: a big-endian uint32 magic number (0x00000803 for images,
    0x00000801 for labels), one big-endian uint32 per dimension, then the uint8 data.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise MnistError(f"{path}: not found. {_FIX}") from None
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise MnistError(f"{path}: not a valid gzip file ({err}); delete it and download again.") from None
    magic = int.from_bytes(raw[:4], "big")
    if len(raw) < 4 or magic not in _IDX_NDIM:
        raise MnistError(f"{path}: not an IDX file (magic number 0x{magic:08x}; expected 0x00000803 "
                         "for images or 0x00000801 for labels).")
    ndim = _IDX_NDIM[magic]
    start = 4 + 4 * ndim  # where the pixel/label bytes begin
    if len(raw) < start:
        raise MnistError(f"{path}: truncated: the IDX header is incomplete; delete it and download again.")
    shape = struct.unpack(f">{ndim}I", raw[4:start])
    expected, got = math.prod(shape), len(raw) - start
    if got < expected:
        raise MnistError(f"{path}: truncated: the header announces shape {shape} ({expected} bytes) but only "
                         f"{got} bytes follow; delete it and download again.")
    if got > expected:
        raise MnistError(f"{path}: {got - expected} extra bytes after the {expected} announced by the header "
                         f"(shape {shape}); the file is corrupt: delete it and download again.")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(shape).copy()


def _split_path(split: str, kind: str, directory: str | os.PathLike | None) -> Path:
    """Path of the `kind` ("images" or "labels") file of `split`; ValueError for an unknown split."""
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    return resolve_data_dir(directory) / FILES[f"{split}_{kind}"]


def load_images(split: str, directory: str | os.PathLike | None = None, check: bool = True) -> np.ndarray:
    """Images of `split` ("train" or "test") as float32 (N, 784) in [0, 1]: one flattened 28x28 image per row."""
    path = _split_path(split, "images", directory)
    if check:
        _check_file(path)
    images = read_idx(path)
    if images.ndim != 3:
        raise MnistError(f"{path}: holds labels, not images.")
    out = images.reshape(len(images), -1).astype(np.float32)
    out /= 255.0
    return out


def load_labels(split: str, directory: str | os.PathLike | None = None, check: bool = True) -> np.ndarray:
    """Labels of `split` ("train" or "test") as int64 (N,), each a digit 0-9."""
    path = _split_path(split, "labels", directory)
    if check:
        _check_file(path)
    labels = read_idx(path)
    if labels.ndim != 1:
        raise MnistError(f"{path}: holds images, not labels.")
    return labels.astype(np.int64)


def load_mnist(
    directory: str | os.PathLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_test, y_test) with shapes (60000, 784), (60000,), (10000, 784), (10000,)."""
    return (load_images("train", directory), load_labels("train", directory),
            load_images("test", directory), load_labels("test", directory))


class _NoBar:
    """Stands in for a tqdm progress bar when progress is off or tqdm is not installed."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def update(self, n: int) -> None:
        pass


def _progress_bar(total: int | None, initial: int, desc: str, enabled: bool):  # -> tqdm | _NoBar
    """A tqdm byte counter if enabled and tqdm is importable, else a bar that draws nothing."""
    if enabled:
        try:
            from tqdm import tqdm
        except ImportError:
            return _NoBar()
        return tqdm(total=total, initial=initial, desc=desc, unit="B", unit_scale=True, unit_divisor=1024)
    return _NoBar()


def _fetch(url: str, part: Path, timeout: float, progress: bool) -> None:
    """Download `url` into `part`, resuming after the bytes `part` already holds (HTTP Range)."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "nngrader-mnist"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if response.status != 206:
            offset = 0  # the server sends the whole file: start again from zero
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length else None
        with open(part, "ab" if offset else "wb") as out, \
                _progress_bar(total, offset, part.name.removesuffix(".part"), progress) as bar:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                bar.update(len(chunk))
    received = part.stat().st_size
    if total is not None and received < total:  # keep the .part: the next attempt resumes it
        raise ConnectionError(f"connection closed after {received} of {total} bytes")


def _download_file(target: Path, mirrors: Sequence[str], retries: int,
                   progress: bool, timeout: float, backoff: float) -> None:
    """Fetch one file into `target` from the first mirror that delivers it with the right SHA-256."""
    name, part = target.name, target.with_name(target.name + ".part")
    errors: dict[str, str] = {}
    for base in mirrors:
        url = base.rstrip("/") + "/" + name
        for attempt in range(max(1, retries)):
            if attempt:
                time.sleep(backoff * attempt)
            try:
                _fetch(url, part, timeout, progress)
            except urllib.error.HTTPError as err:
                errors[url] = f"HTTP {err.code} {err.reason}"
                if err.code == 416:  # our .part is longer than the server's file: start over
                    part.unlink(missing_ok=True)
                elif 400 <= err.code < 500 and err.code not in (408, 429):
                    break  # this mirror lacks the file; asking again will not help
                continue
            except (OSError, http.client.HTTPException, ValueError) as err:
                errors[url] = f"{type(err).__name__}: {err}"
                continue
            got = _sha256(part)
            if got == SHA256[name]:
                os.replace(part, target)  # atomic: `target` is either absent or complete
                return
            part.unlink()
            errors[url] = f"checksum mismatch: expected {SHA256[name]}, got {got}"
    listing = "\n".join(f"  - {url}: {err}" for url, err in errors.items()) or "  (no mirrors given)"
    raise MnistError(f"{target}: could not download it from any mirror:\n{listing}\nCheck your internet "
                     f"connection, or copy the four files into {target.parent} by hand "
                     f"(or set {ENV_VAR} to a directory holding them).")


def download(directory: str | os.PathLike | None = None, mirrors: Sequence[str] = MIRRORS, retries: int = 3,
             progress: bool = True, timeout: float = 30.0, backoff: float = 1.0) -> Path:
    """Download the MNIST files that are missing or corrupt into the data directory; return that directory.

    Each mirror is tried up to `retries` times (sleeping `backoff` x attempt seconds in between);
    an interrupted download resumes from its `<name>.part` file on the next attempt or run.
    """
    directory = resolve_data_dir(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise MnistError(f"{directory}: cannot create the data directory ({err}). {_FIX}") from None
    for name in FILES.values():
        target = directory / name
        if not (target.is_file() and _sha256(target) == SHA256[name]):
            _download_file(target, mirrors, retries, progress, timeout, backoff)
    return directory


def main(argv: list[str] | None = None) -> int:
    """Command line: `download` or `verify` [--dir D]; returns the exit code."""
    parser = argparse.ArgumentParser(prog=f"python -m {_MODULE}", description="Download or verify MNIST.")
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("download", help="download the files that are missing or corrupt")
    fetch.add_argument("--mirror", action="append", help="base URL to try instead of the built-in mirrors "
                                                         "(repeatable)")
    fetch.add_argument("--no-progress", action="store_true", help="do not draw progress bars")
    check = commands.add_parser("verify", help="check that the four files are present and intact")
    for command in (fetch, check):
        command.add_argument("--dir", type=Path, help=f"data directory (default: ${ENV_VAR}, "
                                                      "else ~/.cache/nngrader/mnist)")
    args = parser.parse_args(argv)
    try:
        if args.command == "download":
            mirrors = tuple(args.mirror) if args.mirror else MIRRORS
            print(f"MNIST is ready in {download(args.dir, mirrors, progress=not args.no_progress)}")
        else:
            for name in FILES.values():
                path = resolve_data_dir(args.dir) / name
                _check_file(path)
                print(f"OK  {path}")
    except MnistError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
