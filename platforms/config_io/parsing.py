"""Parsing and validating a whole record: parse_record and the RecordInvalid it raises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .declaration import declared
from .destinations import secrets_to_type_again
from .fields import Reading
from .record import PlatformRecord


class RecordInvalid(Exception):
    """A record with errors; `errors` maps each path in the record to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors

    def lines(self) -> list[str]:
        """One `path: message` line per error, in record order."""
        return [
            f"{path}: {message}" for path, messages in self.errors.items() for message in messages
        ]


def parse_record(
    data: Any,
    *,
    stored: PlatformRecord | None = None,
    environ: Mapping[str, str] | None = None,
) -> PlatformRecord:
    """A valid PlatformRecord from `data`, or RecordInvalid listing every error by path.

    `stored` is the platform's current record when this updates it: secrets left out, or
    given as the stored fingerprint, keep their stored value, unless the change sends them
    somewhere new (config_io.destinations). Without `meshfedServiceUser` the platform uses
    web identity or the default credential chain, and no keys. `environ` resolves `env:NAME`
    secrets (the command passes os.environ); None refuses them, as web uploads must: a
    server's environment is not the uploader's to read.
    """
    reading = Reading(stored=stored, environ=environ)
    declaration = declared()
    values = declaration.read_values(data, "", reading)
    if values is None:
        raise RecordInvalid(reading.errors)
    record = declaration.record_class(**values, warnings=tuple(reading.warnings))
    if stored is not None:
        for path, messages in secrets_to_type_again(record, stored).items():
            for message in messages:
                reading.error(path, message)
    if reading.errors:
        raise RecordInvalid(in_record_order(reading.errors))
    return record.keeping_secrets_of(stored)


def in_record_order(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The errors ordered by the record's keys, then by path."""
    keys = tuple(declared().fields)

    def position(path: str) -> tuple[int, str]:
        head = path.split(".")[0].split("[")[0]
        return (keys.index(head) if head in keys else len(keys), path)

    return {path: errors[path] for path in sorted(errors, key=position)}
