"""Run the sandbox AWS emulator (moto_server) and bootstrap it (a `make run` process)."""

import json
import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from replication.scans import ScanInProgress, scan_now
from sandbox import setup, unmanaged


class Command(BaseCommand):
    help = (
        "Start a local AWS emulator on MESHAWS_SANDBOX_HOST:MESHAWS_SANDBOX_PORT, set it up as "
        "the integration page describes (with an IAM Identity Center instance, its permission "
        "sets and sample users), point the platforms sandbox.local and sandbox-sso.local at it, "
        "and serve until stopped."
    )

    def handle(self, *args, **options):
        # moto is only in the `sandbox` extra: without it, say so instead of a traceback.
        try:
            from moto.server import ThreadedMotoServer

            from sandbox import emulator
        except ImportError as error:
            raise CommandError(
                "the sandbox needs the 'sandbox' extra: pip install -e '.[sandbox]'"
            ) from error
        emulator.prepare_emulator_process()
        # One log line per emulated AWS call drowns the other processes' output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # Blocked before any thread starts, so that sigwait below receives them.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        host, port = settings.MESHAWS_SANDBOX_HOST, settings.MESHAWS_SANDBOX_PORT
        server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        server.start()
        endpoint_url = f"http://{host}:{port}"
        try:
            state = setup.bootstrap(
                endpoint_url=endpoint_url,
                region=settings.MESHAWS_SANDBOX_REGION,
                state_file=settings.MESHAWS_SANDBOX_STATE_FILE,
            )
            legacy = unmanaged.ensure_unmanaged_accounts(state)
            platforms = [setup.configure_platform(state), setup.configure_sso_platform(state)]
            # After the bootstrap, which needs its accounts at once.
            emulator.make_emulator_realistic()
            self.stdout.write(f"Sandbox AWS emulator ready at {endpoint_url}")
            for applied in platforms:
                outcome = "created" if applied.created else "updated" if applied.changed else "kept"
                self.stdout.write(
                    f"Platform {applied.platform.full_identifier} points at it ({outcome})"
                )
            self.stdout.write(json.dumps(state.public_summary(), indent=2))
            self._discover(platforms[0].platform, legacy)
            self.stdout.write(
                f"The service user's keys and the privileged external id are in "
                f"{settings.MESHAWS_SANDBOX_STATE_FILE} (readable by you only)."
            )
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        finally:
            server.stop()

    def _discover(self, platform, legacy: dict[str, str]) -> None:
        """Scan sandbox.local once, so that its legacy accounts wait on the Unmanaged accounts
        page, ready to adopt."""
        accounts = ", ".join(f"{name} ({account_id})" for name, account_id in legacy.items())
        try:
            scan, _ = scan_now(platform=platform, actor=None)
        except ScanInProgress:
            scan = None
        outcome = f"; the scan {scan.status}" if scan else ""
        self.stdout.write(
            f"Accounts outside meshaws, to adopt from {platform.full_identifier}'s Unmanaged "
            f"accounts page: {accounts}{outcome}"
        )
