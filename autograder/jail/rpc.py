"""Use objects that live in another process: a small symmetric RPC over a socket.

The graders (trusted) drive a submission's code in a sandboxed worker process
(untrusted, see ``worker``) through one ``Connection`` at each end. What
crosses the socket is data, never code:

* plain values (None, bool, int, float, str) as JSON; lists, tuples and dicts
  element by element; numpy arrays and scalars as dtype, shape and raw bytes,
  for plain dtypes only. Nothing is ever unpickled or evaluated.
* anything else (a module, a class, a function, an object) stays where it
  lives; the other side gets a handle (``Remote``) whose attribute reads,
  writes, calls and item access travel back. A handle that is sent home turns
  back into the original object, so ``opt.step(params, grads)`` can be given
  the handle of a student's optimizer and a grader's function can be passed to
  the student's ``gradient_check``.

Arguments are lent: an array, list or dict passed in a call is copied across,
and whatever the callee does to its copy in place is copied back into the
caller's object before the caller sees anything else (the reply, or a call
back into the caller), and the other way round. So ``x[i] += h`` inside a
student's ``gradient_check`` is seen by the grader's function it calls, and an
optimizer's in-place ``params[k] -= ...`` updates the grader's arrays.

Trust is not symmetric. The grader's end is ``Connection(trusted_peer=False)``:
the worker may only call the grader's objects it was handed (never read their
attributes), the grader's exceptions cross as their type only, and every
message the worker sends is checked before it is believed.
"""

from __future__ import annotations

import builtins
import itertools
import json
import operator
import socket
import struct
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

_LENGTH = struct.Struct("!I")
MAX_HEADER = 64 << 20            # bytes of JSON in one message from a trusted peer (the grader)
MAX_BLOBS = 2 << 30              # bytes of array data in one message from a trusted peer
MAX_UNTRUSTED_HEADER = 4 << 20   # bytes of JSON in one message from an untrusted peer (the student's process)
MAX_REMOTE_TEXT = 4000           # characters kept of an untrusted peer's exception message
MAX_DEPTH = 64                   # nesting of lists, tuples and dicts
PLAIN_DTYPE_KINDS = frozenset("biufcUSmM")


class RpcError(Exception):
    """The other process cannot be used any more; the message says why."""


class PeerGone(RpcError):
    """The other process closed the connection (it exited or was killed)."""


class PeerTimeout(RpcError):
    """No reply within the deadline."""


class ProtocolError(RpcError):
    """The other process sent something that is not a valid message."""


class ValueTooLarge(RpcError):
    """An untrusted peer declared a message larger than this end takes: refused before any of it was read.

    ``part`` is ``"array data"`` or ``"other data"`` (the JSON of numbers,
    strings and lists), ``limit`` and ``size`` are bytes.
    """

    def __init__(self, part: str, limit: int, size: int):
        super().__init__(f"the {part} of a value from the other process ({size} bytes) is over the limit "
                         f"of {limit} bytes")
        self.part, self.limit, self.size = part, limit, size


class RemoteError(Exception):
    """An exception raised in the other process, of a type that cannot be rebuilt here.

    ``type_name`` is the remote type's name, ``frames`` the student's own
    frames (file name, line, function, source line), innermost last.
    """

    def __init__(self, type_name: str, message: str, frames: list | None = None):
        super().__init__(message)
        self.type_name = type_name
        self.frames = frames or []

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


class Remote:
    """A handle on an object in the other process; attribute access and item access travel there."""

    __slots__ = ("_rpc", "_handle", "_type", "__weakref__")

    def __init__(self, rpc: Connection, handle: int, type_name: str):
        object.__setattr__(self, "_rpc", rpc)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__array") or name.startswith("_pytest") or name == "__length_hint__":
            raise AttributeError(name)  # probes from numpy and pytest: never forwarded
        return self._rpc.request("getattr", self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._rpc.request("setattr", self, name, value)

    def __delattr__(self, name: str) -> None:
        self._rpc.request("delattr", self, name)

    def __getitem__(self, key: Any) -> Any:
        return self._rpc.request("getitem", self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._rpc.request("setitem", self, key, value)

    def __len__(self) -> int:
        return self._rpc.request("len", self)

    def __iter__(self):
        return self._rpc.request("iter", self)

    def __next__(self):
        return self._rpc.request("next", self)

    def __contains__(self, item: Any) -> bool:
        return self._rpc.request("contains", self, item)

    def __bool__(self) -> bool:
        return True  # not len(): ``if model:`` must not need a round trip (or fail on objects without len)

    def __repr__(self) -> str:
        return f"<{self._type} in the {self._rpc.peer_name}>"


class RemoteCallable(Remote):
    """A handle on something callable in the other process."""

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._rpc.request("call", self, *args, **kwargs)


ACTIONS = {
    "call": lambda target, *args, **kwargs: target(*args, **kwargs),
    "getattr": getattr, "setattr": setattr, "delattr": delattr,
    "getitem": operator.getitem, "setitem": operator.setitem, "contains": operator.contains,
    "len": len, "iter": iter, "next": next,
    "import": lambda _target, name: __import__("importlib").import_module(name),
    "echo": lambda _target, value: value,
}
UNTRUSTED_ACTIONS = frozenset({"call"})  # what an untrusted peer may do with our objects: call the callbacks


class _Shared:
    """An object lent for the duration of a call, with what it looked like at the last exchange."""

    __slots__ = ("obj", "snapshot")

    def __init__(self, obj: Any):
        self.obj = obj
        self.snapshot = _snapshot(obj)

    def changed(self) -> bool:
        old, new = self.snapshot, self.obj
        if isinstance(new, np.ndarray):
            return (old.shape != new.shape or old.dtype != new.dtype
                    or not np.array_equal(old, new, equal_nan=new.dtype.kind in "fc"))
        return old != _snapshot(new)

    def remember(self) -> None:
        self.snapshot = _snapshot(self.obj)


def _snapshot(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.copy()
    if isinstance(obj, dict):
        return [(k, id(v)) for k, v in obj.items()]
    return [id(v) for v in obj]


class Connection:
    """One end of the RPC. ``request`` calls into the other end; ``serve`` answers until it hangs up."""

    def __init__(self, sock: socket.socket, *, side: str, trusted_peer: bool, peer_name: str = "other process",
                 student_root: str | None = None, value_limit: int = MAX_BLOBS):
        self.sock = sock
        # the array data one message of an untrusted peer may carry besides changes to the arrays lent to it
        self.value_limit = value_limit
        self.side = side                      # prefix of the ids this end gives out
        self.trusted_peer = trusted_peer
        self.peer_name = peer_name
        self.student_root = student_root      # frames under it are reported with exceptions
        self.deadline: float | None = None    # time.monotonic() value; None waits for ever
        self.broken: str | None = None
        self._objects: dict[int, Any] = {}    # handles given out: id -> object (kept alive)
        self._handle_of: dict[int, int] = {}  # id(object) -> handle
        self._proxies: dict[int, Remote] = {}
        self._lent: list[dict[str, _Shared]] = []      # per outgoing call: what I lent
        self._borrowed: list[dict[str, _Shared]] = []  # per incoming call: copies I hold
        self._ids = itertools.count(1)

    # ---- calling into the other side -------------------------------------------------------------
    def request(self, action: str, target: Any, *args: Any, **kwargs: Any) -> Any:
        """Perform ``action`` on ``target`` (a Remote of this connection, or None) in the other process."""
        if self.broken:
            raise RpcError(self.broken)
        lent: dict[str, _Shared] = {}
        blobs: list = []
        number = next(self._ids)
        message = {"op": "request", "id": number, "action": action,
                   "target": None if target is None else self._encode(target, blobs, None),
                   "args": [self._encode(a, blobs, lent) for a in args],
                   "kwargs": {k: self._encode(v, blobs, lent) for k, v in kwargs.items()}}
        self._lent.append(lent)
        try:
            self._send(message, blobs)
            outcome = self._wait(number)
        except BaseException as error:  # the exchange was left half-way: this connection cannot be trusted again
            self.broken = self.broken or (str(error) if isinstance(error, RpcError) else
                                          f"interrupted while waiting for the {self.peer_name}")
            raise
        finally:
            self._lent.pop()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _wait(self, number: int) -> Any:
        """Serve the other side's calls until the reply comes: its value, or the exception to raise."""
        while True:
            message, data = self._receive()
            try:
                if message["op"] != "request" and message.get("id") != number:
                    raise ProtocolError("a reply to another request")
                if message["op"] == "request":
                    self._serve_one(message, data)
                elif message["op"] == "return":
                    return self._decode(message["value"], data, None)
                elif message["op"] == "raise":
                    return self._rebuild_exception(message)
                else:
                    raise ProtocolError(f"unexpected message {message['op']!r}")
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
                raise ProtocolError(f"malformed message: {error!r}") from None

    # ---- answering the other side ----------------------------------------------------------------
    def serve(self) -> None:
        """Answer requests until the other side hangs up (the worker's main loop)."""
        while True:
            try:
                message, data = self._receive()
            except PeerGone:
                return
            if message["op"] != "request":
                raise ProtocolError(f"unexpected message {message['op']!r} outside a call")
            self._serve_one(message, data)

    def _serve_one(self, message: dict, data: list) -> None:
        borrowed: dict[str, _Shared] = {}
        self._borrowed.append(borrowed)
        try:
            try:
                action = message["action"]
                target = None if message["target"] is None else self._decode(message["target"], data, None)
                args = [self._decode(a, data, borrowed) for a in message["args"]]
                kwargs = {str(k): self._decode(v, data, borrowed) for k, v in message["kwargs"].items()}
                if action not in ACTIONS or (not self.trusted_peer and action not in UNTRUSTED_ACTIONS):
                    raise PermissionError(f"the grader's objects can only be called, not used with {action}")
                result = ACTIONS[action](target, *args, **kwargs)
                blobs: list = []
                reply = {"op": "return", "id": message.get("id"), "value": self._encode(result, blobs, None)}
            except RpcError:
                raise
            except BaseException as error:  # the student's code may raise anything, SystemExit included
                blobs, reply = [], {**self._describe_exception(error), "id": message.get("id")}
            self._send(reply, blobs)
        finally:
            self._borrowed.pop()

    def _describe_exception(self, error: BaseException) -> dict:
        origin = getattr(error, "rpc_origin", None)  # an exception of ours, coming back through the other side
        if origin is not None:
            return {"op": "raise", "origin": origin}
        if not self.trusted_peer:  # our own exceptions: the type only, never a message or a traceback
            traceback.print_exception(error)  # for the instructor's log
            return {"op": "raise", "type": type(error).__name__, "builtin": _is_builtin(error),
                    "message": f"{type(error).__name__} raised by the function the grader passed to your code",
                    "frames": [], "handle": self._handle(error)}
        frames = [] if self.student_root is None else [
            [Path(f.filename).name, f.lineno, f.name, f.line or ""]
            for f in traceback.extract_tb(error.__traceback__)
            if f.filename.startswith(self.student_root + "/")]
        try:
            text = str(error)
        except BaseException:  # a student's exception whose __str__ fails
            text = "<unprintable>"
        return {"op": "raise", "type": type(error).__name__, "builtin": _is_builtin(error),
                "message": text[:MAX_REMOTE_TEXT], "frames": frames[-20:]}

    def _rebuild_exception(self, reply: dict) -> BaseException:
        if "origin" in reply:
            original = self._objects.get(reply["origin"])
            if isinstance(original, BaseException):
                return original  # our own exception, back unchanged: the caller can catch it by its type
        name, message = str(reply.get("type"))[:100], str(reply.get("message"))[:MAX_REMOTE_TEXT]
        frames = [[str(part)[:300] for part in f[:4]] for f in reply.get("frames", [])[-20:] if isinstance(f, list)]
        cls = getattr(builtins, name, None) if reply.get("builtin") else None
        error: BaseException = RemoteError(name, message, frames)
        if isinstance(cls, type) and issubclass(cls, Exception):
            try:
                error = cls(message)
                error.frames = frames
                error.type_name = name
            except Exception:
                pass
        if "handle" in reply:
            error.rpc_origin = reply["handle"]
        return error

    # ---- messages ----------------------------------------------------------------------------------
    def _send(self, message: dict, blobs: list) -> None:
        message["sync"] = self._outgoing_sync(blobs)
        views = [memoryview(b.reshape(-1)).cast("B") for b in blobs]
        message["blobs"] = [v.nbytes for v in views]
        header = json.dumps(message, allow_nan=True).encode()
        try:
            self.sock.sendall(_LENGTH.pack(len(header)) + header)
            for view in views:
                self.sock.sendall(view)
        except OSError as error:
            raise PeerGone(f"the {self.peer_name} stopped ({error.strerror or error})") from None

    def _receive(self) -> tuple[dict, list]:
        """The next message and its arrays' bytes; every declared size is checked before its bytes are read.

        From an untrusted peer, the JSON may be MAX_UNTRUSTED_HEADER bytes and
        the array data ``value_limit`` bytes, plus the size of each lent array
        whose change the message brings back: the grading process never
        builds more than that, whatever the student's code returns.
        """
        (length,) = _LENGTH.unpack(self._read(_LENGTH.size))
        if length > MAX_HEADER:
            raise ProtocolError("message too large")
        if not self.trusted_peer and length > MAX_UNTRUSTED_HEADER:
            raise ValueTooLarge("other data", MAX_UNTRUSTED_HEADER, length)
        try:
            message = json.loads(self._read(length))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ProtocolError(f"malformed message: {error}") from None
        if not isinstance(message, dict) or not isinstance(message.get("blobs"), list):
            raise ProtocolError("malformed message")
        sizes = message["blobs"]
        if not all(type(n) is int and n >= 0 for n in sizes) or sum(sizes) > MAX_BLOBS:
            raise ProtocolError("malformed or oversized array data")
        if not self.trusted_peer:
            fresh = sum(sizes) - self._lent_bytes(message.get("sync", []))
            if fresh > self.value_limit:
                raise ValueTooLarge("array data", self.value_limit, fresh)
        data = [self._read(n) for n in sizes]
        try:
            self._apply_sync(message.get("sync", []), data)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise ProtocolError(f"malformed message: {error!r}") from None
        return message, data

    def _read(self, size: int) -> bytearray:
        buffer = bytearray(size)
        view, got = memoryview(buffer), 0
        while got < size:
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise PeerTimeout(f"no answer from the {self.peer_name} in time")
                self.sock.settimeout(left)
            else:
                self.sock.settimeout(None)
            try:
                n = self.sock.recv_into(view[got:])
            except socket.timeout:
                raise PeerTimeout(f"no answer from the {self.peer_name} in time") from None
            except OSError as error:
                raise PeerGone(f"the {self.peer_name} stopped ({error.strerror or error})") from None
            if n == 0:
                raise PeerGone(f"the {self.peer_name} stopped")
            got += n
        return buffer

    # ---- lent objects: copied back and forth at every message ------------------------------------
    def _shared(self) -> dict[str, _Shared]:
        return {k: v for table in (*self._lent, *self._borrowed) for k, v in table.items()}

    def _lent_bytes(self, sync: Any) -> int:
        """The bytes of the shared arrays whose changes ``sync`` brings back (each counted once)."""
        if not isinstance(sync, list):
            raise ProtocolError("malformed message")
        shared = self._shared()
        keys = {entry[0] for entry in sync if isinstance(entry, list) and entry and isinstance(entry[0], str)}
        return sum(shared[key].obj.nbytes for key in keys if key in shared and isinstance(shared[key].obj, np.ndarray))

    def _outgoing_sync(self, blobs: list) -> list:
        updates = []
        for key, shared in self._shared().items():
            if shared.changed():
                obj = shared.obj
                if isinstance(obj, np.ndarray):
                    value = self._encode_array(obj, blobs)
                elif isinstance(obj, dict):
                    value = [[self._encode(k, blobs, None), self._encode(v, blobs, None)] for k, v in obj.items()]
                else:
                    value = [self._encode(v, blobs, None) for v in obj]
                updates.append([key, value])
                shared.remember()
        return updates

    def _apply_sync(self, updates: list, data: list) -> None:
        if not updates:
            return
        shared = self._shared()
        for key, value in updates:
            entry = shared.get(key)
            if entry is None:
                raise KeyError(key)
            obj = entry.obj
            if isinstance(obj, np.ndarray):
                new = self._decode_array(value, data)
                if new.shape == obj.shape:
                    np.copyto(obj, new, casting="unsafe")
            elif isinstance(obj, dict):
                items = [(self._decode(k, data, None), self._decode(v, data, None)) for k, v in value]
                obj.clear()
                obj.update(items)
            elif isinstance(obj, list):
                obj[:] = [self._decode(v, data, None) for v in value]
            entry.remember()

    # ---- values ------------------------------------------------------------------------------------
    def _encode(self, value: Any, blobs: list, lend: dict | None, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError("the value is nested too deeply to be sent (or contains itself)")
        if value is None or value is True or value is False or type(value) in (int, float, str):
            return value
        if isinstance(value, Remote) and value._rpc is self:
            return {"$": "home", "handle": value._handle}
        for table in (*self._borrowed, *self._lent):
            for key, shared in table.items():
                if shared.obj is value:
                    return {"$": "shared", "id": key}
        if isinstance(value, np.generic) and value.dtype.kind in PLAIN_DTYPE_KINDS:
            return {"$": "scalar", "array": self._encode_array(np.asarray(value), blobs)}
        if isinstance(value, np.ndarray) and value.dtype.kind in PLAIN_DTYPE_KINDS:
            encoded = {"$": "array", "array": self._encode_array(np.asarray(value), blobs)}  # subclasses as plain
            if lend is not None and type(value) is np.ndarray:
                encoded["lent"] = self._lend(value, lend)
            return encoded
        if type(value) in (list, tuple):
            encoded = {"$": type(value).__name__, "items": [self._encode(v, blobs, lend, depth + 1) for v in value]}
            if lend is not None and type(value) is list:
                encoded["lent"] = self._lend(value, lend)
            return encoded
        if type(value) is dict:
            encoded = {"$": "dict", "items": [[self._encode(k, blobs, None, depth + 1),
                                               self._encode(v, blobs, lend, depth + 1)] for k, v in value.items()]}
            if lend is not None:
                encoded["lent"] = self._lend(value, lend)
            return encoded
        if isinstance(value, Remote):
            raise RpcError("a handle from a process that has stopped cannot be used any more")
        handle = self._handle(value)
        return {"$": "handle", "handle": handle, "callable": callable(value), "type": type(value).__name__}

    def _handle(self, value: Any) -> int:
        """The handle under which the other side knows ``value`` (kept alive as long as this connection)."""
        handle = self._handle_of.get(id(value))
        if handle is None:
            handle = next(self._ids)
            self._objects[handle] = value
            self._handle_of[id(value)] = handle
        return handle

    def _lend(self, value: Any, lend: dict) -> str:
        key = f"{self.side}{next(self._ids)}"
        lend[key] = _Shared(value)
        return key

    def _encode_array(self, array: np.ndarray, blobs: list) -> list:
        if not array.flags.c_contiguous:
            array = array.copy(order="C")  # not np.ascontiguousarray: it turns a 0-d array into 1-d
        blobs.append(array)
        return [array.dtype.str, list(array.shape), len(blobs) - 1]

    def _decode_array(self, spec: Any, data: list) -> np.ndarray:
        dtype_text, shape, index = spec
        dtype = np.dtype(str(dtype_text))
        if dtype.kind not in PLAIN_DTYPE_KINDS or dtype.hasobject or not all(type(n) is int and n >= 0 for n in shape):
            raise ValueError(f"refused array of dtype {dtype_text!r}")
        raw = data[index]
        if len(raw) != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise ValueError("array size does not match its shape")
        return np.frombuffer(raw, dtype=dtype).reshape(shape)  # writable: the buffer is our own bytearray

    def _decode(self, value: Any, data: list, borrow: dict | None) -> Any:
        if value is None or type(value) in (bool, int, float, str):
            return value
        if not isinstance(value, dict) or "$" not in value:
            raise ValueError("malformed value")
        kind = value["$"]
        if kind == "array":
            array = self._decode_array(value["array"], data)
            if borrow is not None and "lent" in value:
                borrow[str(value["lent"])] = _Shared(array)
            return array
        if kind == "scalar":
            return self._decode_array(value["array"], data)[()]
        if kind in ("list", "tuple"):
            items = [self._decode(v, data, borrow) for v in value["items"]]
            if kind == "tuple":
                return tuple(items)
            if borrow is not None and "lent" in value:
                borrow[str(value["lent"])] = _Shared(items)
            return items
        if kind == "dict":
            result = {self._decode(k, data, None): self._decode(v, data, borrow) for k, v in value["items"]}
            if borrow is not None and "lent" in value:
                borrow[str(value["lent"])] = _Shared(result)
            return result
        if kind == "home":
            return self._objects[value["handle"]]
        if kind == "shared":
            return self._shared()[value["id"]].obj
        if kind == "handle":
            handle = int(value["handle"])
            proxy = self._proxies.get(handle)
            if proxy is None:
                cls = RemoteCallable if value.get("callable") else Remote
                proxy = self._proxies[handle] = cls(self, handle, str(value.get("type", "object"))[:100])
            return proxy
        raise ValueError(f"unknown value kind {kind!r}")


def _is_builtin(error: BaseException) -> bool:
    return type(error).__module__ == "builtins"
