"""Run the sandbox AWS emulator (moto_server) and bootstrap it (a `make run` process)."""

import json
import logging
import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from replication.scans import ScanInProgress, scan_now
from sandbox import setup, unmanaged


class Command(BaseCommand):
    help = (
        "Start a local AWS emulator on MESHAWS_SANDBOX_HOST:MESHAWS_SANDBOX_PORT, set it up as "
        "the integration page describes (with an IAM Identity Center instance, its permission "
        "sets and sample users), create the platforms sandbox.local and sandbox-sso.local on it "
        "(kept as they are when they exist), and serve until stopped. The emulator's state is "
        "kept in MESHAWS_VAR_DIR/sandbox/ across restarts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--state-dir", type=Path, default=None,
            help="Where the emulator keeps its state (default: MESHAWS_VAR_DIR/sandbox).",
        )  # fmt: skip
        parser.add_argument(
            "--fresh", action="store_true",
            help="Start with an empty emulator: the saved state is moved aside, not loaded.",
        )  # fmt: skip
        parser.add_argument(
            "--reset-platforms", action="store_true",
            help="Point sandbox.local and sandbox-sso.local at this emulator again, "
            "overwriting what was changed on them.",
        )  # fmt: skip

    def handle(self, *args, **options):
        # moto is only in the `sandbox` extra: without it, say so instead of a traceback.
        try:
            from sandbox import emulator, persistence
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
        state_dir = options["state_dir"] or Path(settings.VAR_DIR) / "sandbox"
        if options["fresh"]:
            persistence.EmulatorStore(state_dir).discard()
        server = persistence.PersistentMotoServer(
            ip_address=host, port=port, verbose=False, state_dir=state_dir
        )
        server.start()
        endpoint_url = f"http://{host}:{port}"
        try:
            state = setup.bootstrap(
                endpoint_url=endpoint_url,
                region=settings.MESHAWS_SANDBOX_REGION,
                state_file=settings.MESHAWS_SANDBOX_STATE_FILE,
            )
            legacy = unmanaged.ensure_unmanaged_accounts(state)
            reset = options["reset_platforms"]
            platforms = [
                setup.configure_platform(state, reset=reset),
                setup.configure_sso_platform(state, reset=reset),
            ]
            # After the bootstrap, which needs its accounts at once.
            emulator.make_emulator_realistic()
            self.stdout.write(f"Sandbox AWS emulator ready at {endpoint_url}")
            for applied in platforms:
                self._report(applied, state)
            self.stdout.write(json.dumps(state.public_summary(), indent=2))
            self._discover(platforms[0].platform, legacy)
            self.stdout.write(
                f"The service user's keys and the privileged external id are in "
                f"{settings.MESHAWS_SANDBOX_STATE_FILE} (readable by you only)."
            )
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        finally:
            server.stop()

    def _report(self, applied, state) -> None:
        """Say what became of a sandbox platform; of a kept one, where it differs from the
        bootstrap (the operator's edits, or ids of an emulator that started empty)."""
        name = applied.platform.full_identifier
        if applied.created or applied.changed:
            outcome = "created" if applied.created else "updated"
            self.stdout.write(f"Platform {name} points at it ({outcome})")
            return
        fields = setup.differences(applied, state)
        differs = (
            f"; it differs from this emulator's bootstrap in {', '.join(fields)} "
            "(run_sandbox --reset-platforms overwrites them)"
            if fields
            else ""
        )
        self.stdout.write(f"Platform {name} kept as configured{differs}")

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
