"""The sandbox: a local AWS emulator (moto_server), set up as the integration page says.

A Django app without models, on top of the others: `run_sandbox` (a `make run` process),
`setup` (the bootstrap and the platform `sandbox.local`), `identity_center` (the bootstrap's
IAM Identity Center part and the platform `sandbox-sso.local`), `emulator` and `strict_emulator`
(moto, made as strict as AWS, in the emulator's process only: moto is in the `sandbox` extra),
`persistence` (the emulator's state in var/sandbox/, kept across restarts; emulator process only).
"""
