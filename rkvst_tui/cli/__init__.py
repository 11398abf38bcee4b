"""`rkvst-tui`: the console, the local sandbox, and the service layer for scripts.

    rkvst-tui [--read-only]                       the console (a local sandbox when nothing is configured)
    rkvst-tui --sandbox-flavour datatrails        ... that sandbox as DataTrails (or RKVST_TUI_SANDBOX_FLAVOUR)
    rkvst-tui sandbox [...]                       run the sandbox in the foreground (see `rkvst-tui sandbox -h`)
    rkvst-tui token [--save PATH] [--force]       an access token for the configured credentials
    rkvst-tui apps list [--name NAME] [--match TEXT]   (--name exact, as the API; --match a substring, any case)
    rkvst-tui apps show ID|NAME                    (a display name only one registration has)
    rkvst-tui apps create --name NAME [--claim k=v ...] [--from-file app.json] [--save-credentials PATH] [--owner]
    rkvst-tui apps update ID [--name NAME] [--claim k=v ...] [--unset-claim k ...] [--replace-claims]
                             [--owner | --no-owner]
    rkvst-tui apps delete ID [--yes] [--remove-root]
    rkvst-tui apps regenerate ID [--yes] [--save-credentials PATH]   (asks first on a terminal)
    rkvst-tui apps list --expiring DAYS           secrets expiring within DAYS (expired too); exit 4 when any
    rkvst-tui apps rotate (ID ... | --expiring DAYS) --save-dir DIR [--dry-run] [--yes]   (cli/hygiene.py)
    rkvst-tui audit [--since WHEN]                the local trail of every change (cli/audit.py)
    rkvst-tui apps access ID|NAME                  what it can see and why (the policies naming it; nearest miss)
    rkvst-tui principals list
    rkvst-tui principals add (--app ID | --issuer ISS --subject SUB [--display-name N] [--email E])
    rkvst-tui principals remove (--app ID | --issuer ISS --subject SUB)
    rkvst-tui policies list [--name NAME] | show ID|NAME | delete ID|NAME [--yes]
    rkvst-tui policies create [--from-file policy.json] [--name N] [--description D] [--filter k=v[|k=v] ...]
              [--grant-app ID|NAME ...] [--grant-subject CLIENT_ID ...] [--grant-claim k=v ...]
              [--read ATTR ...] [--write ATTR ...] [--behaviour B ...]
    rkvst-tui policies update ID|NAME [the same options: the fields given replace theirs]
    rkvst-tui inspect [TOKEN | - | --file PATH] [--verify] [--key PATH]
    rkvst-tui locate

ID is a client id or `applications/<uuid>`. Global options (before or after the command):
--profile, --url, --client-id, --secret-file, --token-file, --insecure, --json. Secrets are
never taken from the command line: they come from a file, the environment, a profile or
a prompt. With nothing configured, commands use the default local sandbox if it is
running (`rkvst-tui sandbox`, or the console's), at the address it records in its data
directory and once it has proved it is that sandbox; they never start one.

Exit codes: 0 done; 1 the operation failed (API error, network, file, refusal, an invalid
token for `inspect`; with --verify, a token the service would refuse: unsigned, bad
signature, expired, not yet valid, wrong issuer or audience); 2 usage or configuration error
(including claims that break the rules, and the console started without a terminal); 3 authentication or permission (401: credentials refused; 403: not a root
principal); 4 `apps list --expiring`: some secrets expire within DAYS or have expired; 130 interrupted. Errors go to stderr as one sentence (and a hint), never
a traceback. The console exits 143, 130 or 131 when stopped by SIGTERM, SIGINT or SIGQUIT.

A command that connects first says on stderr (one `note:` line) which registrations a
console left with a new secret nobody recorded (api/secret_journal.py), and how to fix
them; `apps regenerate ID` and `apps delete ID` end that reminder.

--json output (stable; the wire shapes are those of docs/api-contract.md §2; an Application carries
`roles` where the service has them, DataTrails):
- token:            {"access_token", "token_type", "expires_in", "expires_at"}
                    with --save: {"saved": PATH, "token_type", "expires_in", "expires_at"}
- apps list:        {"applications": [Application]}             (secrets are "")
- apps show/update: Application
- apps create/regenerate: {"application": Application, "credentials_file": PATH | null}
                    (the secret is in the Application only when no file was asked for)
- apps delete:      {"deleted": CLIENT_ID, "display_name": NAME}
                    (a root registration adds "root_principal": "removed" | "kept")
- apps access:      {"client_id", "display_name", "status": "root"|"owner"|"shared"|"named"|"none", "summary",
                     "grants": [{"policy", "display_name", "permission", "named_by", "by_claim", "filters",
                     "assets", "readable"}], "nearest": {"policy", "display_name", "permission", "names"} | null,
                     "assets": [{"identity", "attributes"}] (as its tokens see them), "total_assets"}
- principals list/add/remove: {"root_principals": [Principal]}
- apps list --expiring, apps rotate: see cli/hygiene.py;  audit: see cli/audit.py
- policies list:    {"access_policies": [AccessPolicy]}   (the wire shape, docs/access-policies.md)
- policies show:    {"access_policy": AccessPolicy, "assets": [{"identity", "arc_display_name"}]}
- policies create:  {"access_policy": AccessPolicy, "warnings": [TEXT]};  update: {"access_policy": AccessPolicy}
- policies delete:  {"deleted": IDENTITY, "display_name": NAME}
- inspect:          the token report of rkvst_tui.api.inspection.TokenReport.to_json
- locate:           {"config_dir", "config_file", "config_file_exists", "data_dir", "state_dir", "secret_journal", "audit_file",
                     "sandbox_data_dir", "sandbox_admin_credentials", "sandbox_running_hint",
                     "profiles": [NAME], "default_profile"}

Layout: `dispatch` (the entry point: arguments to a command group, errors to exit codes),
`parser` (the options every command takes, the table of command groups), `output` (what
goes to stdout and stderr), `connection` (which service, with which credentials),
`console` (the console's launch), `exits` (exit codes, UsageError), `secret_output` (a new
secret's one showing), and one module per command group (`token`, `apps`, `principals`,
`policies`, `inspect`, `audit`, `locate`, `sandbox`; `hygiene` holds `apps list --expiring` and
`apps rotate`), each imported only when its command runs or the parser is built.

Adding a command group: a module here with `add_parser(sub)` (its sub-parser made with
`parser.add_command`, which adds the global options) and `run(args, io) -> int` (usually
`connection.run_connected(args, io, ACTIONS[args.<group>_command])`), and its name in
`parser.COMMAND_GROUPS`. Adding an action to a group: its sub-parser in the group's
`add_parser` and its coroutine `(args, api, io) -> int` in the group's ACTIONS table.
"""

from .dispatch import main

__all__ = ["main"]
