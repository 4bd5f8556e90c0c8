"""A moto_server whose account creations take K polls, for the vending benchmarks.

    python -m bench.emulator --port 5099 --polls 2

moto answers CreateAccount with SUCCEEDED at once; here CreateAccount's own answer and each
DescribeCreateAccountStatus count as one poll, and the first K (CreateAccount included) say
IN_PROGRESS: with K=2 a client sees IN_PROGRESS twice (the CreateAccount answer and one
describe) and SUCCEEDED at its second describe. ListCreateAccountStatus shows the same state
without counting as a poll. The bootstrap's own accounts (e-mails starting with `sandbox+`)
are created at once, as `sandbox.setup.bootstrap` expects.

The process loads the managed-policy subset as `make run`'s emulator does, prints
`ready <url>` on stdout when it listens, and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from sandbox import emulator

BOOTSTRAP_EMAIL_PREFIX = "sandbox+"


def slow_account_creation(polls: int) -> None:
    """Patch moto (in this process) so that a creation takes `polls` polls (see above)."""
    from moto.organizations import models as org_models

    original_status = org_models.FakeAccount.create_account_status
    original_create = org_models.OrganizationsBackend.create_account
    original_describe = org_models.OrganizationsBackend.describe_create_account_status
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def status(account):
        answer = original_status.fget(account)
        if account.email.startswith(BOOTSTRAP_EMAIL_PREFIX):
            return answer
        with lock:
            count = seen.get(account.create_account_status_id, 0)
        if count < polls:
            answer["CreateAccountStatus"]["State"] = "IN_PROGRESS"
            answer["CreateAccountStatus"].pop("AccountId", None)
        return answer

    def counted(answer: dict) -> dict:
        request_id = answer["CreateAccountStatus"]["Id"]
        with lock:
            seen[request_id] = seen.get(request_id, 0) + 1
        return answer

    def create_account(self, **kwargs):
        return counted(original_create(self, **kwargs))

    def describe_create_account_status(self, **kwargs):
        return counted(original_describe(self, **kwargs))

    org_models.FakeAccount.create_account_status = property(status)
    org_models.OrganizationsBackend.create_account = create_account
    org_models.OrganizationsBackend.describe_create_account_status = describe_create_account_status


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--polls", type=int, default=2, help="polls a creation takes (2)")
    options = parser.parse_args(argv)

    emulator.prepare_emulator_process()
    slow_account_creation(options.polls)
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    server = ThreadedMotoServer(ip_address=options.host, port=options.port, verbose=False)
    server.start()
    try:
        print(f"ready http://{options.host}:{options.port}", flush=True)
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
