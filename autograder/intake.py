"""The one door between what students hand in and everything else: nothing passes it that was not checked.

A submission is hostile data: its files, links, folder names, timestamps and
secrets. nbgrader's own ``collect`` (and its copies) follow links with the
instructor's rights, stop the whole class on one malformed folder, and trust
the time a student wrote. So the kit collects by itself, here:

* ``copy_tree`` copies a folder without ever following a link: every entry is
  looked at with ``lstat`` and opened relative to its parent's descriptor with
  ``O_NOFOLLOW``, so swapping a file for a link while it is copied gains
  nothing. Links of every kind (symbolic, hard, to a folder, dangling) and
  special files (fifos, sockets, devices) are reported and dropped, never read;
  caps on files, bytes, one file's bytes and depth hold before a byte is copied
  (``Caps``, with the files the release names taken first, so junk cannot push
  a module out).
* ``collect`` takes each student's latest exchange folder and quarantines the
  forged and malformed ones with a line for the instructor: a folder another
  user wrote under a student's name, a name or ``timestamp.txt`` that is not a
  time or lies in the future, a missing or malformed ``submission_secret.txt``.
  A quarantined folder is left where it is and copied nowhere; everyone else is
  collected.
* The recorded submission time is the instructor side's: the newest change
  time (``st_ctime``, which no user can set back) of the folder and its files.
  The student's claim is kept beside it (``Received``), and a mismatch flagged.

Every later step (grading jobs, ``make check``, fingerprints) reads submissions
through ``copy_tree`` or ``regular_files``, so a folder put into ``submitted/``
by hand is held to the same rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pwd
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from autograder.results import write_atomically
from autograder.untrusted import printable

#: nbgrader's own files in an exchange folder: written by ``collect`` from what it checked, never copied as sent.
TIMESTAMP, SECRET = "timestamp.txt", "submission_secret.txt"
NBGRADER_FILES = (TIMESTAMP, SECRET)
#: nbgrader's timestamp format (``Exchange.timestamp_format``), in UTC.
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"
#: A claimed submission time this far from the instructor side's is flagged.
CLAIM_TOLERANCE = dt.timedelta(minutes=2)
#: Caches a student's Jupyter leaves behind: skipped without a word.
CACHES = ("__pycache__", ".ipynb_checkpoints")
_SECRET_FORMAT = re.compile(r"[0-9a-f]{16,256}")


@dataclass(frozen=True)
class Caps:
    """What one submission may hold; each cap can be set by an environment variable."""

    files: int = 200       # NNGRADER_SUBMISSION_FILES: files copied at most
    total_mb: int = 100    # NNGRADER_SUBMISSION_MB: bytes of all files together
    file_mb: int = 25      # NNGRADER_SUBMISSION_FILE_MB: bytes of one file
    depth: int = 4         # NNGRADER_SUBMISSION_DEPTH: folders within folders

    @classmethod
    def from_env(cls) -> "Caps":
        values = {}
        for cap in fields(cls):
            name = f"NNGRADER_SUBMISSION_{cap.name.upper()}"
            if os.environ.get(name):
                try:
                    values[cap.name] = int(os.environ[name])
                except ValueError:
                    raise ValueError(f"{name}={os.environ[name]!r} is not a whole number") from None
        return cls(**values)


@dataclass
class Copied:
    """What ``copy_tree`` did: files and bytes copied, what it dropped and why, and the newest change time."""

    files: int = 0
    bytes: int = 0
    dropped: list[str] = field(default_factory=list)
    newest_change: float = 0.0


def copy_tree(source: Path, target: Path, caps: Caps | None = None, wanted: frozenset[str] = frozenset(),
              skip: frozenset[str] = frozenset()) -> Copied:
    """Copy the regular files of ``source`` into the new folder ``target``, never following a link.

    ``wanted`` names files at the top that are copied before any other (the release's files), ``skip`` names
    top-level files left out. Raises OSError if ``source`` itself is not a folder (a link to one included).
    """
    caps = caps or Caps.from_env()
    copied = Copied()
    root = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        copied.newest_change = os.fstat(root).st_ctime
        target.mkdir(parents=True)
        _copy_folder(root, target, "", 0, caps, copied, wanted, skip)
    finally:
        os.close(root)
    return copied


def _copy_folder(folder: int, target: Path, prefix: str, depth: int, caps: Caps, copied: Copied,
                 wanted: frozenset[str], skip: frozenset[str]) -> None:
    with os.scandir(folder) as scan:
        entries = sorted(scan, key=lambda e: (e.name not in wanted, e.name)) if depth == 0 else \
            sorted(scan, key=lambda e: e.name)
    for entry in entries:
        name, shown = entry.name, printable(prefix + entry.name)
        if name in CACHES or (depth == 0 and name in skip):
            continue
        try:
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except OSError:
            continue  # gone since it was listed
        copied.newest_change = max(copied.newest_change, info.st_ctime)
        if stat.S_ISLNK(info.st_mode):
            copied.dropped.append(f"{shown} is a link: dropped (links are never followed)")
        elif printable(name) != name:
            copied.dropped.append(f"{shown}: a name with control characters: dropped")
        elif stat.S_ISDIR(info.st_mode):
            if depth + 1 >= caps.depth:
                copied.dropped.append(f"{shown}/ is nested more than {caps.depth} folders deep: dropped")
                continue
            child = _open(name, folder, os.O_DIRECTORY, info)
            if child is None:
                copied.dropped.append(f"{shown}/ changed while it was copied: dropped")
                continue
            try:
                (target / name).mkdir()
                _copy_folder(child, target / name, f"{prefix}{name}/", depth + 1, caps, copied, wanted, skip)
            finally:
                os.close(child)
        elif not stat.S_ISREG(info.st_mode):
            copied.dropped.append(f"{shown} is not a regular file (a fifo, socket or device): dropped")
        elif info.st_nlink > 1:
            copied.dropped.append(f"{shown} is a hard link ({info.st_nlink} names for one file): dropped")
        elif info.st_size > caps.file_mb << 20:
            copied.dropped.append(f"{shown} holds {info.st_size / 2**20:.0f} MB, over the {caps.file_mb} MB a "
                                  "file may hold: dropped")
        elif copied.files >= caps.files:
            copied.dropped.append(f"{shown}: over the {caps.files} files a submission may hold: dropped")
        elif copied.bytes + info.st_size > caps.total_mb << 20:
            copied.dropped.append(f"{shown}: over the {caps.total_mb} MB a submission may hold: dropped")
        else:
            _copy_file(name, folder, info, target / name, copied, shown)


def _open(name: str, folder: int, flags: int, seen: os.stat_result) -> int | None:
    """Open ``name`` in ``folder`` without following a link; None if it is no longer what ``lstat`` saw."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | flags, dir_fd=folder)
    except OSError:
        return None
    now = os.fstat(fd)
    if (now.st_dev, now.st_ino, stat.S_IFMT(now.st_mode)) != (seen.st_dev, seen.st_ino, stat.S_IFMT(seen.st_mode)):
        os.close(fd)
        return None
    return fd


def _copy_file(name: str, folder: int, info: os.stat_result, target: Path, copied: Copied, shown: str) -> None:
    fd = _open(name, folder, 0, info)
    if fd is None:
        copied.dropped.append(f"{shown} changed while it was copied: dropped")
        return
    with os.fdopen(fd, "rb") as handle, open(target, "wb") as out:
        data = handle.read(info.st_size + 1)  # never more than lstat promised, whatever the file grows to
        out.write(data[:info.st_size])
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    copied.files += 1
    copied.bytes += min(len(data), info.st_size)


def copy_modules(source: Path, target: Path, names: list[str], max_bytes: int) -> None:
    """Copy ``<name>.py`` of each of ``names`` from ``source`` into ``target``: regular files of at most
    ``max_bytes`` only, opened without following a link. What student code runs beside: nothing else of the
    submission (notebooks and their outputs, data files, other files) is copied."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        folder = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        for name in names:
            try:
                info = os.stat(f"{name}.py", dir_fd=folder, follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink == 1 and info.st_size <= max_bytes:
                _copy_file(f"{name}.py", folder, info, target / f"{name}.py", Copied(), f"{name}.py")
    finally:
        os.close(folder)


def clean_in_place(folder: Path, caps: Caps | None = None) -> list[str]:
    """Hold a folder already in ``submitted/`` (put there by hand, or by an older collect) to ``copy_tree``'s
    rules: what it would drop is dropped, and a ``timestamp.txt`` that is not a time is taken away (nbgrader
    stops on one). Returns what was dropped."""
    staged = Path(tempfile.mkdtemp(prefix=".intake-", dir=folder.parent))
    try:
        copied = copy_tree(folder, staged / folder.name, caps)
        dropped = list(copied.dropped)
        stamp = staged / folder.name / TIMESTAMP
        if stamp.is_file() and parse_time(stamp.read_text(encoding="utf-8", errors="replace")[:200]) is None:
            stamp.unlink()
            dropped.append(f"{TIMESTAMP} is not a time: dropped (graded without a submission time)")
        if dropped:
            _replace(staged / folder.name, folder)
        return dropped
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def regular_files(folder: Path) -> Iterator[Path]:
    """The regular files under ``folder`` in a fixed order, links and special files never followed or read."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink() or entry.name in CACHES:
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from regular_files(Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            yield Path(entry.path)


def fingerprint(folder: Path) -> str:
    """SHA-256 over the regular files of a submission (names and bytes): equal exactly when nothing changed."""
    digest = hashlib.sha256()
    for path in regular_files(folder):
        digest.update(str(path.relative_to(folder)).encode("utf-8", "surrogateescape") + b"\0")
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW)) as handle:
            digest.update(handle.read() + b"\0")
    return digest.hexdigest()


# --- the exchange ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One collected submission: where it came from, when the instructor side saw it, what the student claimed."""

    student: str
    source: str            # the exchange folder's name
    received: str          # the newest change time of the folder and its files, UTC, nbgrader's format
    claimed: str           # the time in the folder's name and timestamp.txt, as the student's side wrote it
    files: int
    dropped: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    def notes(self) -> list[str]:
        """What the instructor should read about this submission."""
        return [*self.flags, *self.dropped]


@dataclass
class Collection:
    """What one ``collect`` did."""

    collected: list[Received] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (exchange folder, why)

    def lines(self) -> list[str]:
        """A line per student collected with notes and per folder quarantined, then a summary."""
        out = []
        for got in self.collected:
            out += [f"  {printable(got.student)}: {note}" for note in got.notes()]
        out += [f"quarantined {printable(name)!s}: {why}; nothing was copied from it (it stays in the exchange: "
                "look at it, then delete it)" for name, why in self.quarantined]
        names = ", ".join(printable(got.student) for got in self.collected)
        out.append(f"collected {len(self.collected)} submission{'s' * (len(self.collected) != 1)}"
                   + (f" ({names})" if names else "") + f", {len(self.unchanged)} unchanged, "
                   f"{len(self.quarantined)} quarantined")
        return out


@dataclass(frozen=True)
class _Candidate:
    student: str
    name: str
    claimed: dt.datetime


def collect(week: str, inbound: Path, submitted: Path, records: Path, wanted: frozenset[str] = frozenset(),
            now: dt.datetime | None = None) -> Collection:
    """Copy each student's latest valid ``week`` folder of the exchange's ``inbound`` into ``submitted/``.

    ``records`` keeps what was collected from where (one JSON file per student), so an unchanged folder is
    not copied again. No folder can stop another's collection: each problem quarantines that folder only.
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    result = Collection()
    options: dict[str, list[tuple[float, str, _Candidate]]] = {}
    try:
        names = sorted(entry.name for entry in os.scandir(inbound))
    except FileNotFoundError:
        names = []
    for name in (name for name in names if f"+{week}+" in name):
        parts = name.split("+")
        try:
            candidate, why = _check(name, parts, inbound, now) if len(parts) in (3, 4) and parts[1] == week else \
                (None, "its name is not <student>+<assignment>+<time>+<random>, as nbgrader submit writes it")
        except OSError as error:
            candidate, why = None, f"it could not be read ({error.strerror or error})"
        if candidate is None:
            result.quarantined.append((name, why))
        else:
            options.setdefault(candidate.student, []).append((_newest_change(inbound / name), name, candidate))
    for student, found in sorted(options.items()):
        changed, name, candidate = max(found, key=lambda option: option[:2])  # the exchange's time, not the claim
        record = _read_record(records / f"{student}.json")
        if (record.get("source"), record.get("received")) == (name, _format_epoch(changed)) \
                and (submitted / student / week).is_dir():
            result.unchanged.append(student)
            continue
        staged = Path(tempfile.mkdtemp(prefix=".intake-", dir=_ensure(submitted)))
        try:
            copied = copy_tree(inbound / name, staged / week, wanted=wanted, skip=frozenset({TIMESTAMP, SECRET}))
            _write_nbgrader_files(inbound / name, staged / week, changed)
            received = dt.datetime.fromtimestamp(changed, dt.timezone.utc)
            flags = () if abs(candidate.claimed - received) <= CLAIM_TOLERANCE else (
                f"claims to be submitted at {_format(candidate.claimed)}, but the exchange received it at "
                f"{_format(received)}: the exchange's time is recorded",)
            got = Received(student, name, _format(received), _format(candidate.claimed), copied.files,
                           tuple(copied.dropped), flags)
            _replace(staged / week, submitted / student / week)
        except OSError as error:
            result.quarantined.append((name, f"it could not be copied ({error.strerror or error})"))
            continue
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        write_atomically(records / f"{student}.json", json.dumps(asdict(got), indent=1))
        result.collected.append(got)
    return result


def _newest_change(folder: Path, limit: int = 10_000) -> float:
    """The newest ``st_ctime`` of ``folder`` and what it holds (``limit`` entries at most), links not followed."""
    newest, todo, seen = os.stat(folder, follow_symlinks=False).st_ctime, [folder], 0
    while todo and seen < limit:
        try:
            entries = list(os.scandir(todo.pop()))
        except OSError:
            continue
        for entry in entries[:limit - seen]:
            seen += 1
            try:
                newest = max(newest, entry.stat(follow_symlinks=False).st_ctime)
            except OSError:
                continue
            if entry.is_dir(follow_symlinks=False):
                todo.append(Path(entry.path))
    return newest


def record_of(records: Path, student: str) -> Received | None:
    """What ``collect`` recorded of ``student``'s submission (None if it was put in place by hand)."""
    raw = _read_record(records / f"{student}.json")
    try:
        return Received(**{**raw, "dropped": tuple(raw.get("dropped", ())), "flags": tuple(raw.get("flags", ()))})
    except TypeError:
        return None


def _check(name: str, parts: list[str], inbound: Path, now: dt.datetime) -> tuple[_Candidate | None, str]:
    """A folder of the exchange as a candidate for collection, or None and why it is quarantined."""
    student = parts[0]
    if not student or student.startswith(".") or printable(student) != student or len(student) > 100:
        return None, "its student id is not a name (empty, hidden, control characters or over 100 characters)"
    info = os.stat(inbound / name, follow_symlinks=False)
    if not stat.S_ISDIR(info.st_mode):
        return None, "it is not a folder (a link or a file)"
    owner = _owner(info.st_uid)
    if info.st_uid not in (0, os.geteuid()) and owner != student:
        return None, (f"it names {printable(student)} but was written by the user {printable(owner)}: another "
                      "student may be trying to replace their submission")
    claimed = parse_time(parts[2])
    if claimed is None:
        return None, f"the time in its name ({printable(parts[2])[:60]}) is not a time"
    if claimed > now + CLAIM_TOLERANCE:
        return None, f"the time in its name ({_format(claimed)}) lies in the future"
    text, why = _small_text(inbound / name, TIMESTAMP)
    if text is None:
        return None, why
    written = parse_time(text)
    if written is None:
        return None, f"its {TIMESTAMP} ({printable(text)[:60]}) is not a time"
    if abs(written - claimed) > CLAIM_TOLERANCE:
        return None, f"its {TIMESTAMP} ({_format(written)}) and its name ({_format(claimed)}) disagree"
    secret, why = _small_text(inbound / name, SECRET)
    if secret is None:
        return None, why + " (nbgrader needs it to release feedback)"
    if not _SECRET_FORMAT.fullmatch(secret):
        return None, f"its {SECRET} is not what nbgrader writes (hexadecimal digits)"
    return _Candidate(student, name, claimed), ""


def _small_text(folder: Path, name: str) -> tuple[str | None, str]:
    """The text of an nbgrader file of a submission, stripped (``timestamp.txt``, the secret), or None and why not."""
    text, why = small_text(folder, name)
    return (None if text is None else text.strip()), why


def small_text(folder: Path, name: str, limit: int = 1024) -> tuple[str | None, str]:
    """The UTF-8 text of a regular file in ``folder`` of at most ``limit`` bytes, as it is (never read through a
    link, never more than ``limit`` + 1 bytes of it), or None and why not."""
    try:
        fd = os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, f"it has no {name}"
    except OSError:
        return None, f"its {name} is a link or unreadable"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None, f"its {name} is not a regular file"
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        return None, f"its {name} is over {limit} bytes"
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError:
        return None, f"its {name} is not UTF-8 text"


def parse_time(text: str) -> dt.datetime | None:
    """A time as nbgrader writes it (any form dateutil reads), in UTC; None if it is not one."""
    from dateutil import parser  # nbgrader's own parser (a dependency of nbgrader)

    try:
        value = parser.parse(text)
    except (ValueError, OverflowError, TypeError):
        return None
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _format(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)


def _format_epoch(seconds: float) -> str:
    return _format(dt.datetime.fromtimestamp(seconds, dt.timezone.utc))


def _owner(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _write_nbgrader_files(source: Path, target: Path, received: float) -> None:
    """nbgrader's timestamp.txt (the instructor side's time) and the student's checked submission secret."""
    secret, why = _small_text(source, SECRET)
    if secret is None or not _SECRET_FORMAT.fullmatch(secret):  # changed since it was checked
        raise OSError(why or f"its {SECRET} changed while it was collected")
    (target / SECRET).write_text(secret, encoding="utf-8")
    (target / TIMESTAMP).write_text(_format(dt.datetime.fromtimestamp(received, dt.timezone.utc)), encoding="utf-8")


def _replace(new: Path, old: Path) -> None:
    """Put the folder ``new`` where ``old`` is, in as few steps as the file system allows."""
    old.parent.mkdir(parents=True, exist_ok=True)
    if old.exists() or old.is_symlink():
        retired = old.with_name(f".{old.name}.replaced-{os.getpid()}")
        os.replace(old, retired)
        os.replace(new, old)
        if retired.is_symlink() or not retired.is_dir():
            retired.unlink()
        else:
            shutil.rmtree(retired)
    else:
        os.replace(new, old)


def _ensure(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _read_record(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
