"""Platform files: reading JSON or Dhall into record data, and writing a record as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from meshaws_site.storable import unstorable_text

from .record import PlatformRecord


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
    try:
        import dhall
    except ImportError:
        raise RecordFileError(
            "Dhall files need the dhall binding: pip install -e '.[dhall]' (Python 3.11 or "
            "older); or convert the file to JSON with dhall-to-json"
        ) from None
    try:
        return dhall.loads(text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # noqa: BLE001 - the Rust binding panics with a BaseException
        first_line = (str(error).strip().splitlines() or ["unknown error"])[0]
        raise RecordFileError(f"Dhall could not evaluate the file: {first_line[:300]}") from None


def dump_json(record: PlatformRecord) -> str:
    """The record as the JSON file `export_platform` writes: no secret values."""
    return json.dumps(record.as_dict(), indent=2) + "\n"
