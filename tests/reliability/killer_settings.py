"""Settings of a worker process that dies by SIGKILL right after CreateAccount returns.

Only the reliability tests start a worker with these settings: the kill lands after AWS has
created the account and before meshaws has written anything about it, the worst moment for
a crash.
"""

import os
import signal

import aws
from meshaws_site.test_settings import *  # noqa: F403

_record_call = aws.capture.capture_call


def _record_then_die(call: aws.AwsCall) -> None:
    _record_call(call)
    if call.operation == "CreateAccount" and not call.error_code:
        os.kill(os.getpid(), signal.SIGKILL)


aws.capture.capture_call = _record_then_die
