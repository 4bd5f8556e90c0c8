"""Platform files: reading JSON or Dhall into record data, and writing a record as JSON."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

from meshaws_site.storable import unstorable_text

from .dhall_imports import DeepDhall, UnclearDhall, first_import
from .record import PlatformRecord

# The child that evaluates a Dhall file, and its bounds: address space, and the most JSON it
# may answer with (a platform record is a few kilobytes; an upload at most 2 MB).
DHALL_CHILD = Path(__file__).with_name("dhall_child.py")
DHALL_MEMORY_BYTES = 512 * 2**20
DHALL_MAX_OUTPUT_BYTES = 8 * 2**20
# The child sees no secret from the server's environment, only what starts an interpreter.
_CHILD_ENVIRONMENT = ("PATH", "LD_LIBRARY_PATH")
_CHILD_ANSWERS = {"value", "error", "stopped", "missing_binding"}
_MISSING_BINDING = (
    "Dhall files need the dhall binding: pip install -e '.[dhall]' (Python 3.11 or older); or "
    "convert the file to JSON with dhall-to-json"
)

# What the binding's errors say, read without the source lines they quote.
_PARSE_POSITION = re.compile(r"line_col: (?:Pos|Span)\(\((\d+), (\d+)\)")
_PARSE_EXPECTED = re.compile(r"positives: \[([A-Za-z_, ]+)\]")
_PARSE_MESSAGE = re.compile(r'CustomError \{ message: "([^"\\]{1,200})')
_TYPE_POSITION = re.compile(r"--> <current file>:(\d+):(\d+)")
_TYPE_MESSAGE = re.compile(r'Custom\("error: ([^"\\]{1,200})')


class RecordFileError(Exception):
    """A platform file that cannot be read as a record at all (syntax, missing binding)."""


def load_record_text(text: str, *, filename: str) -> Any:
    """The data in a platform file: JSON, or Dhall when the name ends in .dhall."""
    if Path(filename).suffix.lower() == ".dhall":
        data = _load_dhall(text)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise RecordFileError(
                f"{filename} is not valid JSON: {error.msg} (line {error.lineno}, column "
                f"{error.colno})"
            ) from None
        except RecursionError:
            raise RecordFileError(f"{filename}: nests too deeply to be a platform record") from None
    problem = unstorable_text(data)
    if problem is not None:
        raise RecordFileError(f"{problem} ({filename})")
    return data


def _load_dhall(text: str) -> Any:
    """The data of a Dhall file, evaluated in a child process bounded in time and memory."""
    _refuse_unsafe_dhall(text)
    # The parent never loads the binding: checking that it is installed is enough here.
    if importlib.util.find_spec("dhall") is None:
        raise RecordFileError(_MISSING_BINDING)
    answer = _evaluate_in_child(text)
    if "value" in answer:
        return answer["value"]
    if "error" in answer:
        raise RecordFileError(_dhall_error_summary(answer["error"]))
    if answer.get("missing_binding"):
        raise RecordFileError(_MISSING_BINDING)
    raise RecordFileError(
        f"Dhall could not evaluate the file (the evaluator stopped: {answer['stopped']})"
    )


def _refuse_unsafe_dhall(text: str) -> None:
    """Refuse a Dhall file that imports anything or nests too deeply, naming the line."""
    # Dhall resolves imports while it evaluates: checking the result afterwards is too late.
    try:
        found = first_import(text)
    except UnclearDhall as unclear:
        raise RecordFileError(f"{unclear}; meshaws cannot check the file for imports") from None
    except DeepDhall as deep:
        raise RecordFileError(
            f"{deep}; a platform file needs fewer (simplify it, or convert it to JSON with "
            "dhall-to-json)"
        ) from None
    if found is not None:
        raise RecordFileError(
            f"line {found.line}: Dhall imports are not allowed ({', '.join(found.forms)}); a "
            "platform file must be self-contained"
        )


def _evaluate_in_child(text: str) -> dict:
    """The child's answer for the text (see dhall_child.py), or why the child stopped."""
    timeout = settings.MESHAWS_DHALL_TIMEOUT_SECONDS
    limits = (DHALL_MEMORY_BYTES, int(timeout) + 2, DHALL_MAX_OUTPUT_BYTES)
    environment = {name: os.environ[name] for name in _CHILD_ENVIRONMENT if name in os.environ}
    try:
        # -I: the child reads no PYTHON* variable, user site or working folder.
        completed = subprocess.run(  # noqa: S603 - our interpreter and our script, no shell
            [sys.executable, "-I", str(DHALL_CHILD), *map(str, limits)],
            input=text.encode(),
            capture_output=True,
            env=environment,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RecordFileError(
            f"the Dhall file took longer than {timeout:g} s to evaluate; simplify it or convert "
            "it to JSON with dhall-to-json"
        ) from None
    try:
        answer = json.loads(completed.stdout) if completed.returncode == 0 else None
    except ValueError:
        answer = None
    if isinstance(answer, dict) and answer.keys() & _CHILD_ANSWERS:
        return answer
    return {"stopped": _why_the_child_stopped(completed)}


def _why_the_child_stopped(completed: subprocess.CompletedProcess) -> str:
    """Why the child ended without an answer, read from its exit and never quoting its stderr."""
    # A panic or traceback on stderr can quote the file: only known phrases are looked for.
    stderr = completed.stderr.decode(errors="replace")
    if "memory allocation of" in stderr or "MemoryError" in stderr:
        return f"it ran out of memory at {DHALL_MEMORY_BYTES // 2**20} MB"
    if "overflowed its stack" in stderr or completed.returncode == -signal.SIGSEGV:
        return "it crashed, most likely on nesting too deep for its stack"
    if completed.returncode == -signal.SIGXCPU:
        return "it used too much CPU time"
    if completed.returncode < 0:
        try:
            return f"it was ended by signal {signal.Signals(-completed.returncode).name}"
        except ValueError:
            return f"it was ended by signal {-completed.returncode}"
    return f"it exited with status {completed.returncode}"


def _dhall_error_summary(error: str) -> str:
    """Where and why the binding refused the file, without the source lines it quotes."""
    summary = "Dhall could not evaluate the file"
    if error.startswith("Error(Deserialize("):
        return f"{summary}: its value is not plain data (a type or a function?)"
    if position := _PARSE_POSITION.search(error):
        custom, expected = _PARSE_MESSAGE.search(error), _PARSE_EXPECTED.search(error)
        why = custom[1] if custom else f"expected {expected[1]}" if expected else "syntax"
        return f"{summary}: line {position[1]}, column {position[2]}: parse error ({why})"
    if position := _TYPE_POSITION.search(error):
        message = _TYPE_MESSAGE.search(error)
        why = message[1].strip() if message else "unknown"
        return f"{summary}: line {position[1]}, column {position[2]}: type error ({why})"
    return f"{summary} (the Dhall binding gave no position)"


def dump_json(record: PlatformRecord) -> str:
    """The record as the JSON file `export_platform` writes: no secret values."""
    return json.dumps(record.as_dict(), indent=2) + "\n"
