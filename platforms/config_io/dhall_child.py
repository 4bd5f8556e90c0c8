"""Evaluating one Dhall platform file in a process of its own: the text on stdin, JSON on stdout.

files.py runs this file as a script (`python -I dhall_child.py MEMORY CPU_SECONDS MAX_OUTPUT`)
so that a file the binding's parser chokes on (exponential time on deep nesting, a stack
overflow, an allocation failure) stops this process, never the server. It imports nothing
from meshaws or Django, and answers with one JSON object:
`{"value": …}`, `{"error": "<the binding's error>"}`, `{"stopped": "<why>"}` or
`{"missing_binding": true}`. A crash answers nothing: the parent reads the exit status.
"""

import json
import resource
import sys

try:
    import dhall
except ImportError:
    dhall = None


def main() -> None:
    """Read the text, set the limits, evaluate, and write the answer."""
    memory_bytes, cpu_seconds, max_output_bytes = (int(arg) for arg in sys.argv[1:4])
    limit(resource.RLIMIT_AS, memory_bytes)
    # A backstop if the parent is killed while it waits: the kernel ends a spinning parser.
    limit(resource.RLIMIT_CPU, cpu_seconds)
    limit(resource.RLIMIT_CORE, 0)
    text = sys.stdin.buffer.read().decode("utf-8")
    answer = json.dumps(evaluate(text))
    if len(answer) > max_output_bytes:
        answer = json.dumps(
            {"stopped": f"its value is over {max_output_bytes // 2**20} MB of JSON"}
        )
    sys.stdout.write(answer)


def limit(kind: int, value: int) -> None:
    """Lower a resource limit of this process to `value`, or to the hard limit if lower."""
    hard = resource.getrlimit(kind)[1]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


def evaluate(text: str) -> dict:
    """The answer for one Dhall text."""
    if dhall is None:
        return {"missing_binding": True}
    try:
        return {"value": dhall.loads(text)}
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise  # the parent reads these from the exit status
    except BaseException as error:  # noqa: BLE001 - the Rust binding panics with a BaseException
        return {"error": str(error)}


if __name__ == "__main__":
    main()
