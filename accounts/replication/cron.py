"""The periodic jobs, for `manage.py rqcron accounts.replication.cron` (a `make run` process)."""

from rq import cron

from .jobs import resync_all_accounts, sweep_overdue_runs

cron.register(resync_all_accounts, "default", cron="0 3 * * *", name="daily re-sync")
cron.register(sweep_overdue_runs, "default", interval=120, name="sweep overdue runs")
