
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'netsync' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'netsync'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'netsync' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a starter netsync.toml into the repository')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show how etcd differs from a Git revision (three-way); writes nothing')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make etcd hold a Git revision under the managed prefixes')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective etcd settings and where each comes from')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Create identities; encrypt, show and re-encrypt secret values')
            [CompletionResult]::new('persist', 'persist', [CompletionResultType]::ParameterValue, 'Commit etcd''s changes to the branch and push them to the remotes')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Rebuild an empty etcd cluster from a Git revision, verified')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Report sync point, drift, remotes and endpoints; a monitoring check')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate-docs', 'generate-docs', [CompletionResultType]::ParameterValue, 'Write man pages and completions into a folder (used by scripts/gen-docs)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netsync;init' {
            [CompletionResult]::new('--prefix', '--prefix', [CompletionResultType]::ParameterName, 'The etcd key prefix to manage. Example: --prefix /net/')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The folder of the repository that holds one file per key. Example: --dir kv')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch `apply` deploys by default (default: the current branch, else main). Example: --branch production')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--new', '--new', [CompletionResultType]::ParameterName, 'Create a new repository with a working tree at --repo first; netsync.toml is written there for you to review and commit. Example: netsync init --new --repo network')
            [CompletionResult]::new('--bare', '--bare', [CompletionResultType]::ParameterName, 'Create a new bare repository at --repo first and commit netsync.toml in it. Example: netsync init --bare --repo /srv/network.git')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;diff' {
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Git revision to compare: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD = midnight UTC, or RFC 3339): the configured branch''s last first-parent commit at or before it. Default: the configured branch, else HEAD. Example: --rev origin/main')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Save the plan to FILE for `netsync apply --plan FILE` to carry out exactly as shown: each key''s class, action and etcd mod_revision, and Git blob ids (never a value). Refused when a secret was not compared (no identity): pass --identity FILE. Example: netsync diff --out reviewed.plan')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Exit with 2 when there are differences, 0 when there are none. A secret not compared (no identity) counts as a difference: the check never passes unseen. Example: netsync diff -q --exit-code || echo "etcd differs from Git"')
            [CompletionResult]::new('--full-read', '--full-read', [CompletionResultType]::ParameterName, 'Read every value in etcd even when the sync point allows reading only what changed since (testing and benchmarking aid)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;apply' {
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Git revision to deploy: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD = midnight UTC, or RFC 3339): the configured branch''s last first-parent commit at or before it. Default: the configured branch, else HEAD. Example: --rev v42')
            [CompletionResult]::new('--plan', '--plan', [CompletionResultType]::ParameterName, 'Carry out a plan saved by `netsync diff --out FILE`, exactly as reviewed: its commit, and only if etcd, Git and the sync point are still as the plan saw them (else exit 4, nothing written). Example: netsync apply --plan reviewed.plan')
            [CompletionResult]::new('--max-txn-ops', '--max-txn-ops', [CompletionResultType]::ParameterName, 'Operations per transaction; match the etcd servers'' --max-txn-ops. Example: 128')
            [CompletionResult]::new('--max-request-bytes', '--max-request-bytes', [CompletionResultType]::ParameterName, 'Bytes per request; match the etcd servers'' --max-request-bytes. Example: 1572864')
            [CompletionResult]::new('--txns-in-flight', '--txns-in-flight', [CompletionResultType]::ParameterName, 'Guarded transactions kept in flight at once (1: one at a time); overrides `etcd.txns_in_flight` (default 8). Every one still compares each key''s revision and the lock. Example: --txns-in-flight 4')
            [CompletionResult]::new('--prefer', '--prefer', [CompletionResultType]::ParameterName, 'Resolve keys changed on both sides since the sync point: `git` writes Git''s value, `etcd` keeps etcd''s. Drift (changed only in etcd) is kept either way. Example: --prefer git')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'How long to wait for another run (a persist) to release the lock. Example: --lock-timeout 2m')
            [CompletionResult]::new('--lock-ttl', '--lock-ttl', [CompletionResultType]::ParameterName, 'Seconds the lock outlives a killed run (testing aid)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would be written, write nothing. Example: netsync apply --dry-run')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be written, write nothing. Example: netsync apply --dry-run')
            [CompletionResult]::new('--allow-mass-delete', '--allow-mass-delete', [CompletionResultType]::ParameterName, 'Let apply delete more than `apply.max_delete_fraction` of the managed keys, or all of them. Example: netsync apply --rev cleanup --allow-mass-delete')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Make etcd equal to Git, overwriting drift and conflicts alike. Example: netsync apply --force --rev v42')
            [CompletionResult]::new('--full-read', '--full-read', [CompletionResultType]::ParameterName, 'Read every value in etcd even when the sync point allows reading only what changed since (testing and benchmarking aid)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;config' {
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Git revision to read netsync.toml from: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD = midnight UTC, or RFC 3339): the configured branch''s last first-parent commit at or before it. Default: the configured branch, else HEAD. Example: --rev v42')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;secret' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create an age identity')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Encrypt a value into the working tree as the key''s secret file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the value of a committed secret')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt every secret to the current recipients')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netsync;secret;keygen' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the identity to FILE (created with mode 0600, never overwritten) instead of stdout; the public key is then printed on stderr. Example: --out ~/.config/netsync/identity.txt')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;secret;set' {
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Read the value from FILE, byte for byte (binary values such as keys are fine); `-` reads stdin to its end, even on a terminal (for values of several lines; what you type is echoed). Example: --from-file ./wg-private.key')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'Store an empty value; without it an empty value (an empty line typed at the prompt, an empty pipe or file) is refused. Example: netsync secret set KEY --allow-empty </dev/null')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Encrypt even when no `secrets.keys` pattern matches KEY. Example: netsync secret set /net/params/token --force --from-file token.txt')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;secret;show' {
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Git revision to read: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD = midnight UTC, or RFC 3339): the configured branch''s last first-parent commit at or before it. Default: the configured branch, else HEAD. Example: --rev v42')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;secret;rekey' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;secret;help' {
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create an age identity')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Encrypt a value into the working tree as the key''s secret file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the value of a committed secret')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt every secret to the current recipients')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netsync;secret;help;keygen' {
            break
        }
        'netsync;secret;help;set' {
            break
        }
        'netsync;secret;help;show' {
            break
        }
        'netsync;secret;help;rekey' {
            break
        }
        'netsync;secret;help;help' {
            break
        }
        'netsync;persist' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Summary line of the commit. Example: --message "rotate entry node keys"')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'Summary line of the commit. Example: --message "rotate entry node keys"')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Branch to commit to. Default: `branch` in netsync.toml, else the branch HEAD names. Example: --branch main')
            [CompletionResult]::new('--prefer', '--prefer', [CompletionResultType]::ParameterName, 'Resolve keys changed on both sides since the sync point: `etcd` records etcd''s value, `git` leaves Git''s (to be applied). Example: --prefer etcd')
            [CompletionResult]::new('--page-size', '--page-size', [CompletionResultType]::ParameterName, 'Keys per etcd range request (testing aid)')
            [CompletionResult]::new('--lock-ttl', '--lock-ttl', [CompletionResultType]::ParameterName, 'Seconds the lock outlives a killed run (testing aid)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Show what would be committed; write nothing, push nothing. Example: --dry-run')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be committed; write nothing, push nothing. Example: --dry-run')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Commit locally only; do not push to the remotes of `persist.remotes`. Example: --no-push')
            [CompletionResult]::new('--allow-mass-delete', '--allow-mass-delete', [CompletionResultType]::ParameterName, 'Record the deletion of more than `persist.max_delete_fraction` of the managed keys (25% by default), or of all of them; without it persist refuses (exit 3) and commits and pushes nothing. Example: netsync persist --allow-mass-delete')
            [CompletionResult]::new('--full-read', '--full-read', [CompletionResultType]::ParameterName, 'Read every value even when the sync point allows reading only what changed since (testing and benchmarking aid)')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;restore' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The repository to restore from: a local (bare) repository, read in place, or a URL, cloned bare into a temporary folder. Default: --repo. Example: --from ssh://backup/srv/network.git')
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Git revision to restore: a branch, tag, commit, `HEAD~2`, or a date (YYYY-MM-DD = midnight UTC, or RFC 3339): the configured branch''s last first-parent commit at or before it. Default: the configured branch, else HEAD. Example: --rev 2026-11-01T12:00:00Z')
            [CompletionResult]::new('--max-txn-ops', '--max-txn-ops', [CompletionResultType]::ParameterName, 'Operations per transaction; match the etcd servers'' --max-txn-ops. Example: 128')
            [CompletionResult]::new('--max-request-bytes', '--max-request-bytes', [CompletionResultType]::ParameterName, 'Bytes per request; match the etcd servers'' --max-request-bytes. Example: 1572864')
            [CompletionResult]::new('--txns-in-flight', '--txns-in-flight', [CompletionResultType]::ParameterName, 'Guarded transactions kept in flight at once (1: one at a time); overrides `etcd.txns_in_flight` (default 8). Every one still compares each key''s revision and the lock. Example: --txns-in-flight 4')
            [CompletionResult]::new('--lock-ttl', '--lock-ttl', [CompletionResultType]::ParameterName, 'Seconds the lock outlives a killed run (testing aid)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Restore onto a cluster that already holds managed keys: overwrite them and delete the ones the revision lacks (like apply with Git winning), within the prune guard (`apply.max_delete_fraction`). Example: --force')
            [CompletionResult]::new('--allow-mass-delete', '--allow-mass-delete', [CompletionResultType]::ParameterName, 'With --force: delete more than `apply.max_delete_fraction` of the managed keys etcd holds, or all of them. Example: netsync restore --force --allow-mass-delete')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;status' {
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Exit 6 when the sync point is older than this, or missing. Example: --max-age 30m')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Fail (exit 7) on these conditions, comma-separated or repeated: drift, conflict, unhealthy (an endpoint down, hung or without a leader), remote (a remote that does not answer or lacks the sync commit), lock (held longer than --max-lock-age), no-remote (no persist.remotes), refused (the last persist was refused by a guard). Example: --fail-on conflict,unhealthy,remote')
            [CompletionResult]::new('--warn-on', '--warn-on', [CompletionResultType]::ParameterName, 'Warn on these conditions (a `warning:` line; WARNING with --nagios), as --fail-on. Example: --warn-on drift')
            [CompletionResult]::new('--warn-age', '--warn-age', [CompletionResultType]::ParameterName, 'Warn when the sync point is older than this (WARNING with --nagios). Example: --warn-age 15m')
            [CompletionResult]::new('--max-lock-age', '--max-lock-age', [CompletionResultType]::ParameterName, 'How long a run may hold the lock before `lock` fails (default 10m). Example: --max-lock-age 30m')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Branch to compare with. Default: `branch` in netsync.toml, else HEAD''s. Example: main')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--nagios', '--nagios', [CompletionResultType]::ParameterName, 'A Nagios/Icinga plugin: one status line with perfdata on stdout, and the plugin exit codes: 0 OK, 1 WARNING (--warn-on, --warn-age), 2 CRITICAL (--fail-on, --max-age), 3 UNKNOWN (status could not be gathered). Example: --nagios --max-age 1h --fail-on conflict')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Do not ask the remotes (`git ls-remote`); judge them by the recorded pushes only. Example: --offline')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;completions' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;generate-docs' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git')
            [CompletionResult]::new('--endpoints', '--endpoints', [CompletionResultType]::ParameterName, 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then the file NETSYNC_PASSWORD_FILE names, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: -o json')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output and log lines: `auto` (only on a terminal, and not when NO_COLOR is set or TERM=dumb), `always` or `never`. Example: --color never')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How log lines on stderr are written: `text`, or `json` (one object per line, for journald or Loki). Also NETSYNC_LOG_FORMAT. Example: --log-format json -v')
            [CompletionResult]::new('--dial-timeout', '--dial-timeout', [CompletionResultType]::ParameterName, 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519')
            [CompletionResult]::new('--command-timeout', '--command-timeout', [CompletionResultType]::ParameterName, 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m')
            [CompletionResult]::new('--insecure-skip-tls-verify', '--insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'netsync;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a starter netsync.toml into the repository')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show how etcd differs from a Git revision (three-way); writes nothing')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make etcd hold a Git revision under the managed prefixes')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective etcd settings and where each comes from')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Create identities; encrypt, show and re-encrypt secret values')
            [CompletionResult]::new('persist', 'persist', [CompletionResultType]::ParameterValue, 'Commit etcd''s changes to the branch and push them to the remotes')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Rebuild an empty etcd cluster from a Git revision, verified')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Report sync point, drift, remotes and endpoints; a monitoring check')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('generate-docs', 'generate-docs', [CompletionResultType]::ParameterValue, 'Write man pages and completions into a folder (used by scripts/gen-docs)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'netsync;help;init' {
            break
        }
        'netsync;help;diff' {
            break
        }
        'netsync;help;apply' {
            break
        }
        'netsync;help;config' {
            break
        }
        'netsync;help;secret' {
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Create an age identity')
            [CompletionResult]::new('set', 'set', [CompletionResultType]::ParameterValue, 'Encrypt a value into the working tree as the key''s secret file')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the value of a committed secret')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Re-encrypt every secret to the current recipients')
            break
        }
        'netsync;help;secret;keygen' {
            break
        }
        'netsync;help;secret;set' {
            break
        }
        'netsync;help;secret;show' {
            break
        }
        'netsync;help;secret;rekey' {
            break
        }
        'netsync;help;persist' {
            break
        }
        'netsync;help;restore' {
            break
        }
        'netsync;help;status' {
            break
        }
        'netsync;help;completions' {
            break
        }
        'netsync;help;generate-docs' {
            break
        }
        'netsync;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
