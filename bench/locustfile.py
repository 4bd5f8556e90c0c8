"""The web load's users: signed in (a session cookie), reading account pages and the runs page.

Run by `bench.web` (locust in headless mode against a local gunicorn); BENCH_SESSION is the
session cookie of a signed-in auditor, BENCH_ACCOUNTS the `first-last` account ids to read.
"""

import os
import random

from locust import FastHttpUser, constant, task

FIRST, LAST = (int(part) for part in os.environ["BENCH_ACCOUNTS"].split("-"))
SIGNED_IN = {"Cookie": f"sessionid={os.environ['BENCH_SESSION']}"}


class Auditor(FastHttpUser):
    # No think time: every user sends its next request when the last one is answered.
    wait_time = constant(0)

    @task
    def account_page(self):
        account = random.randint(FIRST, LAST)  # noqa: S311 - spreading reads, not security
        self.client.get(f"/accounts/{account}/", name="/accounts/<id>/", headers=SIGNED_IN)

    @task
    def runs_page(self):
        self.client.get("/runs/", name="/runs/", headers=SIGNED_IN)
