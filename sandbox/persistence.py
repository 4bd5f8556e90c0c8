"""The sandbox emulator's state on disk, so that `make run` restarts keep its accounts.

How: moto's backends (one `BackendDict` per AWS service in use) are pickled into one state file
under var/sandbox/, a few seconds after the emulator changed and once more when it stops; at the
next start they are loaded back into moto's live `BackendDict`s before the first request.

Why a snapshot of the backends and not moto's request recorder (MOTO_ENABLE_RECORDING and
/moto-api/recorder/replay-recording), checked against moto 5.2.5:
- Identical ids by construction. The recorder replays requests, and moto draws organization,
  OU, account, key and permission set ids from its random source: unless every draw happens in
  the same order, a replay makes new ids, and every project account in meshaws is orphaned.
- The strict layer answers by time (a creation in flight, a new account's grace, the in-flight
  limit, the closure quota): a fast replay is refused where the original was accepted (or the
  reverse), and the state diverges. A snapshot keeps what the layer stamped on moto's objects.
- Bounded: the recorder logs every request, reads included, so a console polled all day grows
  its log, and the next start, without end. A snapshot is the state's size (~6 MB) and loads
  in well under a second.

Consistency: requests share a gate that a snapshot closes while it pickles, so that no request
changes a backend mid-pickle. Files are written to a temporary file and renamed (atomic).
An unreadable, corrupt or foreign (other moto version) state file is moved aside with a log
line and the emulator starts empty: it never stops the start. The file is unpickled, so it must
only be writable by its owner: it is 0600 in a 0700 folder, as the rest of var/.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import moto
from moto.core.base_backend import BackendDict
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from meshaws_site.private_files import FILE_MODE, private_folder

log = logging.getLogger(__name__)

STATE_FILE_NAME = "emulator.pickle"
FORMAT = 1
# A change is on disk this long after it was made, at most (and at once when stopped cleanly).
SAVE_INTERVAL_SECONDS = 2.0
# Not AWS state: moto's own control plane (reset, seed, recorder).
SKIPPED_SERVICES = frozenset({"moto_api"})


class RequestGate:
    """Requests pass together; a snapshot waits for them to finish and holds new ones back."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._closed = False
        self.generation = 0  # counts finished requests: a snapshot is needed when it moved

    @contextmanager
    def request(self):
        with self._condition:
            while self._closed:
                self._condition.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self.generation += 1
                self._condition.notify_all()

    @contextmanager
    def closed(self):
        with self._condition:
            self._closed = True
            while self._active:
                self._condition.wait()
        try:
            yield
        finally:
            with self._condition:
                self._closed = False
                self._condition.notify_all()


class GatedApplication:
    """A WSGI application that lets each request through `gate`."""

    def __init__(self, application, gate: RequestGate) -> None:
        self.application, self.gate = application, gate

    def __call__(self, environ, start_response):
        with self.gate.request():
            return self.application(environ, start_response)


def _name_of(backends: BackendDict) -> tuple[str, str] | None:
    """(module, attribute) where moto keeps this BackendDict, e.g. moto.iam.models.iam_backends."""
    module = sys.modules.get(backends.backend.__module__)
    for attribute, value in vars(module or object()).items():
        if value is backends:
            return module.__name__, attribute
    return None


def _live(name: tuple[str, str]) -> BackendDict:
    module, attribute = name
    __import__(module)
    backends = getattr(sys.modules[module], attribute)
    if not isinstance(backends, BackendDict):
        raise TypeError(f"{module}.{attribute} is no BackendDict")
    return backends


def snapshot() -> tuple[bytes, list[str]]:
    """Every service's backends, pickled (one blob each, in one pickle); and the services that
    could not be pickled."""
    services: dict[tuple[str, str], bytes] = {}
    skipped = []
    for backends in list(BackendDict._instances):
        name = _name_of(backends)
        if backends.service_name in SKIPPED_SERVICES or name is None:
            continue
        try:
            services[name] = pickle.dumps(dict(backends), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # one service moto made unpicklable must not lose the rest
            skipped.append(f"{backends.service_name} ({error})")
    return pickle.dumps(services, protocol=pickle.HIGHEST_PROTOCOL), skipped


def state_file(services: bytes) -> bytes:
    """The state file's content: a header (format, moto version, time) and the snapshot."""
    header = {"format": FORMAT, "moto": moto.__version__, "saved_at": time.time()}
    return pickle.dumps({**header, "services": services}, protocol=pickle.HIGHEST_PROTOCOL)


def restore(data: bytes) -> tuple[list[str], bytes]:
    """Load a state file into moto's live backends, all or nothing; the services restored and
    the snapshot.

    ValueError when the snapshot is not one this moto can load.
    """
    try:
        # Our own file, in an owner-only folder, refused unless private (EmulatorStore.load).
        state = pickle.loads(data)  # noqa: S301
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError("not a sandbox emulator state file")
        if state.get("moto") != moto.__version__:
            raise ValueError(f"written by moto {state.get('moto')}, this is {moto.__version__}")
        services = state["services"]
        blobs = pickle.loads(services)  # noqa: S301 (as above)
        loaded = {name: pickle.loads(blob) for name, blob in blobs.items()}  # noqa: S301
        targets = {name: _live(name) for name in loaded}
    except ValueError:
        raise
    except Exception as error:  # truncated, corrupt, or a class moto no longer has
        raise ValueError(f"{type(error).__name__}: {error}") from error
    for name, backends in loaded.items():
        live = targets[name]
        live.clear()
        live.update(backends)
        if live not in BackendDict._instances:  # so that moto's reset empties it too
            BackendDict._instances.append(live)
    return sorted(live.service_name for live in targets.values()), services


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` by `data` at once (temporary file, fsync, rename), as 0600."""
    private_folder(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


class EmulatorStore:
    """The emulator's state file in `directory`: loaded at start, saved while it serves."""

    def __init__(self, directory: Path, interval: float = SAVE_INTERVAL_SECONDS) -> None:
        self.path = Path(directory) / STATE_FILE_NAME
        self.interval = interval
        self.gate = RequestGate()
        self._saved_generation = -1
        self._saved_digest = ""
        self._save_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reported_skips: set[str] = set()

    def load(self) -> bool:
        """Restore the saved state into moto; False (and an empty emulator) when there is none."""
        try:
            status = self.path.stat()
            data = self.path.read_bytes()
        except FileNotFoundError:
            log.info("No saved sandbox emulator state at %s: starting empty", self.path)
            return False
        except OSError as error:
            return self._start_clean(f"unreadable ({error})")
        # Unpickling runs code: only a file that no one else could have written is loaded.
        if status.st_uid != os.geteuid() or status.st_mode & 0o022:
            return self._start_clean("not private (another owner, or writable by others)")
        try:
            services, blob = restore(data)
        except ValueError as error:
            return self._start_clean(f"unusable ({error})")
        self._saved_digest = hashlib.sha256(blob).hexdigest()
        restored = ", ".join(services) or "empty"
        log.info("Sandbox emulator state restored from %s (%s)", self.path, restored)
        return True

    def _start_clean(self, why: str) -> bool:
        aside = self.path.with_name(f"{self.path.name}.unusable-{int(time.time())}")
        try:
            self.path.replace(aside)
            kept = f"moved aside to {aside}"
        except OSError:
            kept = "left in place"
        log.warning(
            "The saved sandbox emulator state %s is %s: %s; the emulator starts empty",
            self.path, why, kept,
        )  # fmt: skip
        return False

    def discard(self) -> None:
        """Move the saved state aside (kept for a look), so that the emulator starts empty."""
        if self.path.exists():
            self._start_clean("discarded (--fresh)")

    def save(self) -> bool:
        """Write the state if a request came since the last save and it changed; whether it did."""
        with self._save_lock:
            generation = self.gate.generation
            if generation == self._saved_generation:
                return False
            with self.gate.closed():
                services, skipped = snapshot()
            for service in set(skipped) - self._reported_skips:
                log.warning("The sandbox emulator state leaves out %s", service)
            self._reported_skips.update(skipped)
            self._saved_generation = generation
            digest = hashlib.sha256(services).hexdigest()
            if digest == self._saved_digest:  # reads only: nothing to write
                return False
            _write_atomically(self.path, state_file(services))
            self._saved_digest = digest
            return True

    def start_saving(self) -> None:
        """Save in the background, every `interval` seconds when something changed."""
        self._thread = threading.Thread(target=self._keep_saving, daemon=True, name="sandbox-save")
        self._thread.start()

    def _keep_saving(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.save()
            except Exception:  # a full disk must not stop the emulator: try again later
                log.exception("Saving the sandbox emulator state to %s failed", self.path)

    def stop_saving(self) -> None:
        """Stop the background saves and save a last time."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        self.save()


class PersistentMotoServer(ThreadedMotoServer):
    """moto's threaded server, whose state lives in `state_dir` (loaded when it starts, saved
    while it serves and when it stops); without `state_dir`, moto's own server."""

    def __init__(self, *args, state_dir: Path | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.store = EmulatorStore(state_dir) if state_dir is not None else None

    def _server_entry(self) -> None:
        # ThreadedMotoServer._server_entry (moto 5.2.5), with the application behind the gate.
        application = DomainDispatcherApplication(create_backend_app)
        if self.store is not None:
            application = GatedApplication(application, self.store.gate)
        self._server = make_server(
            self._ip_address, self._port, application, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def start(self) -> None:
        if self.store is not None:
            self.store.load()
        super().start()
        if self.store is not None:
            self.store.start_saving()

    def stop(self) -> None:
        super().stop()
        if self.store is not None:
            self.store.stop_saving()
