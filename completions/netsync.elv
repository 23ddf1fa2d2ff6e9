
use builtin;
use str;

set edit:completion:arg-completer[netsync] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'netsync'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'netsync'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
            cand diff 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
            cand apply 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
            cand config 'Show the effective etcd connection settings and where each one comes from: a flag, an environment variable (NETSYNC_* before etcdctl''s ETCDCTL_*), netsync.toml, or the default. netsync.toml is read from the revision `apply` would deploy, when there is a repository; otherwise defaults apply. The password is always masked. Connects to nothing'
            cand secret 'Manage secret values: stored in Git as age files (`<path>.age`) encrypted to `secrets.recipients`, written to etcd in plaintext by `apply`'
            cand persist 'Commit what changed in etcd since the last sync to the branch, then push it to every remote of `persist.remotes` (the first must accept it; failures of the others are reported). Keys changed only in Git are left alone, a key changed on both sides stops the run (exit 5). Meant for cron or a systemd timer on several nodes at once: one run holds an etcd lock, the others print who holds it and exit 0. No change in etcd, no commit'
            cand restore 'Rebuild etcd from Git after losing the cluster: write every key of a revision onto a new, empty cluster (secrets decrypted first), record the sync point so that `persist` continues the same history, then read every key back and compare it byte for byte. Refuses a target that already holds keys under the managed prefixes (exit 3) unless --force; an interrupted restore (only keys equal to the revision, no sync point yet) is simply rerun'
            cand status 'Show whether the backups are fresh and the two sides agree: the sync point (commit, etcd revision, cluster, time, host) and its age, who holds the lock, how many keys changed only in Git, drifted in etcd or conflict (never values), per remote the last successful push and whether it has the sync commit (`git ls-remote`, no fetch), and the health of every endpoint. With --max-age / --fail-on it is a monitoring check (exit 6 / 7)'
            cand completions 'Print a shell completion script to stdout'
            cand generate-docs 'Write man pages and completions into a folder (used by scripts/gen-docs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netsync;init'= {
            cand --prefix 'The etcd key prefix to manage. Example: --prefix /net/'
            cand --dir 'The folder of the repository that holds one file per key. Example: --dir kv'
            cand --branch 'The branch `apply` deploys by default (default: the current branch, else main). Example: --branch production'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --new 'Create a new repository with a working tree at --repo first; netsync.toml is written there for you to review and commit. Example: netsync init --new --repo network'
            cand --bare 'Create a new bare repository at --repo first and commit netsync.toml in it. Example: netsync init --bare --repo /srv/network.git'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;diff'= {
            cand --rev 'Git revision to compare (branch, tag, commit). Default: the configured branch, else HEAD. Example: --rev origin/main'
            cand --out 'Save the plan to FILE for `netsync apply --plan FILE` to carry out exactly as shown: each key''s class, action and etcd mod_revision, and Git blob ids (never a value). Example: netsync diff --out reviewed.plan'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --exit-code 'Exit with 2 when there are differences, 0 when there are none. Example: netsync diff -q --exit-code || echo "etcd differs from Git"'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;apply'= {
            cand --rev 'Git revision to deploy (branch, tag, commit). Default: the configured branch, else HEAD. Example: --rev v42'
            cand --plan 'Carry out a plan saved by `netsync diff --out FILE`, exactly as reviewed: its commit, and only if etcd, Git and the sync point are still as the plan saw them (else exit 4, nothing written). Example: netsync apply --plan reviewed.plan'
            cand --max-txn-ops 'Operations per transaction; match the etcd servers'' --max-txn-ops. Example: 128'
            cand --max-request-bytes 'Bytes per request; match the etcd servers'' --max-request-bytes. Example: 1572864'
            cand --prefer 'Resolve keys changed on both sides since the sync point: `git` writes Git''s value, `etcd` keeps etcd''s. Drift (changed only in etcd) is kept either way. Example: --prefer git'
            cand --lock-timeout 'How long to wait for another run (a persist) to release the lock. Example: --lock-timeout 2m'
            cand --lock-ttl 'Seconds the lock outlives a killed run (testing aid)'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand -n 'Show what would be written, write nothing. Example: netsync apply --dry-run'
            cand --dry-run 'Show what would be written, write nothing. Example: netsync apply --dry-run'
            cand --allow-mass-delete 'Let apply delete more than `apply.max_delete_fraction` of the managed keys, or all of them. Example: netsync apply --rev cleanup --allow-mass-delete'
            cand --force 'Make etcd equal to Git, overwriting drift and conflicts alike. Example: netsync apply --force --rev v42'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;config'= {
            cand --rev 'Git revision to read netsync.toml from. Default: the configured branch, else HEAD. Example: --rev v42'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand keygen 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
            cand set 'Encrypt a value into the working tree at the key''s secret file (`….age`), creating folders as needed: typed without echo on a terminal, else read from stdin or --from-file. Commits nothing: review and commit it yourself'
            cand show 'Decrypt a committed secret and print its value, exactly, to stdout (nothing else is printed there). Needs an identity (--identity)'
            cand rekey 'Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names now, as one commit made without a working tree (bare repositories work). Needs an identity that can decrypt every secret. Run it after adding or removing a recipient; a removed recipient can still read old commits: rotate the secrets it knew'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netsync;secret;keygen'= {
            cand -o 'Write the identity to FILE (created with mode 0600, never overwritten) instead of stdout; the public key is then printed on stderr. Example: --out ~/.config/netsync/identity.txt'
            cand --out 'Write the identity to FILE (created with mode 0600, never overwritten) instead of stdout; the public key is then printed on stderr. Example: --out ~/.config/netsync/identity.txt'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;set'= {
            cand --from-file 'Read the value from FILE, byte for byte (binary values such as keys are fine); `-` reads stdin to its end, even on a terminal (for values of several lines; what you type is echoed). Example: --from-file ./wg-private.key'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --allow-empty 'Store an empty value; without it an empty value (an empty line typed at the prompt, an empty pipe or file) is refused. Example: netsync secret set KEY --allow-empty </dev/null'
            cand --force 'Encrypt even when no `secrets.keys` pattern matches KEY. Example: netsync secret set /net/params/token --force --from-file token.txt'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;show'= {
            cand --rev 'Git revision to read (branch, tag, commit). Default: the configured branch, else HEAD. Example: --rev v42'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;rekey'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;help'= {
            cand keygen 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
            cand set 'Encrypt a value into the working tree at the key''s secret file (`….age`), creating folders as needed: typed without echo on a terminal, else read from stdin or --from-file. Commits nothing: review and commit it yourself'
            cand show 'Decrypt a committed secret and print its value, exactly, to stdout (nothing else is printed there). Needs an identity (--identity)'
            cand rekey 'Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names now, as one commit made without a working tree (bare repositories work). Needs an identity that can decrypt every secret. Run it after adding or removing a recipient; a removed recipient can still read old commits: rotate the secrets it knew'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netsync;secret;help;keygen'= {
        }
        &'netsync;secret;help;set'= {
        }
        &'netsync;secret;help;show'= {
        }
        &'netsync;secret;help;rekey'= {
        }
        &'netsync;secret;help;help'= {
        }
        &'netsync;persist'= {
            cand -m 'Summary line of the commit. Example: --message "rotate entry node keys"'
            cand --message 'Summary line of the commit. Example: --message "rotate entry node keys"'
            cand --branch 'Branch to commit to. Default: `branch` in netsync.toml, else the branch HEAD names. Example: --branch main'
            cand --prefer 'Resolve keys changed on both sides since the sync point: `etcd` records etcd''s value, `git` leaves Git''s (to be applied). Example: --prefer etcd'
            cand --page-size 'Keys per etcd range request (testing aid)'
            cand --lock-ttl 'Seconds the lock outlives a killed run (testing aid)'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand -n 'Show what would be committed; write nothing, push nothing. Example: --dry-run'
            cand --dry-run 'Show what would be committed; write nothing, push nothing. Example: --dry-run'
            cand --no-push 'Commit locally only; do not push to the remotes of `persist.remotes`. Example: --no-push'
            cand --allow-mass-delete 'Record the deletion of more than `persist.max_delete_fraction` of the managed keys (25% by default), or of all of them; without it persist refuses (exit 3) and commits and pushes nothing. Example: netsync persist --allow-mass-delete'
            cand --full-read 'Read every value even when the sync point allows reading only what changed since (testing and benchmarking aid)'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;restore'= {
            cand --from 'The repository to restore from: a local (bare) repository, read in place, or a URL, cloned bare into a temporary folder. Default: --repo. Example: --from ssh://backup/srv/network.git'
            cand --rev 'Revision: a commit, tag, branch, or a date (YYYY-MM-DD = midnight UTC, or RFC 3339): the last first-parent commit of the configured branch at or before it. Default: the configured branch. Example: --rev 2026-11-01T12:00:00Z'
            cand --max-txn-ops 'Operations per transaction; match the etcd servers'' --max-txn-ops. Example: 128'
            cand --max-request-bytes 'Bytes per request; match the etcd servers'' --max-request-bytes. Example: 1572864'
            cand --lock-ttl 'Seconds the lock outlives a killed run (testing aid)'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --force 'Restore onto a cluster that already holds managed keys: overwrite them and delete the ones the revision lacks (like apply with Git winning), within the prune guard (`apply.max_delete_fraction`). Example: --force'
            cand --allow-mass-delete 'With --force: delete more than `apply.max_delete_fraction` of the managed keys etcd holds, or all of them. Example: netsync restore --force --allow-mass-delete'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;status'= {
            cand --max-age 'Exit 6 when the sync point is older than this, or missing. Example: --max-age 30m'
            cand --fail-on 'Fail (exit 7) on these conditions, comma-separated or repeated: drift, conflict, unhealthy (an endpoint down, hung or without a leader), remote (a remote that does not answer or lacks the sync commit), lock (held longer than --max-lock-age), no-remote (no persist.remotes), refused (the last persist was refused by a guard). Example: --fail-on conflict,unhealthy,remote'
            cand --warn-on 'Warn on these conditions (a `warning:` line; WARNING with --nagios), as --fail-on. Example: --warn-on drift'
            cand --warn-age 'Warn when the sync point is older than this (WARNING with --nagios). Example: --warn-age 15m'
            cand --max-lock-age 'How long a run may hold the lock before `lock` fails (default 10m). Example: --max-lock-age 30m'
            cand --branch 'Branch to compare with. Default: `branch` in netsync.toml, else HEAD''s. Example: main'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --nagios 'A Nagios/Icinga plugin: one status line with perfdata on stdout, and the plugin exit codes: 0 OK, 1 WARNING (--warn-on, --warn-age), 2 CRITICAL (--fail-on, --max-age), 3 UNKNOWN (status could not be gathered). Example: --nagios --max-age 1h --fail-on conflict'
            cand --offline 'Do not ask the remotes (`git ls-remote`); judge them by the recorded pushes only. Example: --offline'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;completions'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;generate-docs'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379'
            cand --cacert 'CA bundle (PEM) that signed the etcd servers'' certificates; turns TLS on. Without it, https:// endpoints are checked against the system''s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt'
            cand --cert 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt'
            cand --key 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key'
            cand --user 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync'
            cand --output 'Output format on stdout: `human`, `json` (one document, described in docs/json.md), or for `status` only `openmetrics` (docs/monitoring.md). Example: --output json'
            cand --color 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never'
            cand --dial-timeout 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m'
            cand --insecure-skip-tls-verify 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
            cand -q 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand --quiet 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;help'= {
            cand init 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
            cand diff 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
            cand apply 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
            cand config 'Show the effective etcd connection settings and where each one comes from: a flag, an environment variable (NETSYNC_* before etcdctl''s ETCDCTL_*), netsync.toml, or the default. netsync.toml is read from the revision `apply` would deploy, when there is a repository; otherwise defaults apply. The password is always masked. Connects to nothing'
            cand secret 'Manage secret values: stored in Git as age files (`<path>.age`) encrypted to `secrets.recipients`, written to etcd in plaintext by `apply`'
            cand persist 'Commit what changed in etcd since the last sync to the branch, then push it to every remote of `persist.remotes` (the first must accept it; failures of the others are reported). Keys changed only in Git are left alone, a key changed on both sides stops the run (exit 5). Meant for cron or a systemd timer on several nodes at once: one run holds an etcd lock, the others print who holds it and exit 0. No change in etcd, no commit'
            cand restore 'Rebuild etcd from Git after losing the cluster: write every key of a revision onto a new, empty cluster (secrets decrypted first), record the sync point so that `persist` continues the same history, then read every key back and compare it byte for byte. Refuses a target that already holds keys under the managed prefixes (exit 3) unless --force; an interrupted restore (only keys equal to the revision, no sync point yet) is simply rerun'
            cand status 'Show whether the backups are fresh and the two sides agree: the sync point (commit, etcd revision, cluster, time, host) and its age, who holds the lock, how many keys changed only in Git, drifted in etcd or conflict (never values), per remote the last successful push and whether it has the sync commit (`git ls-remote`, no fetch), and the health of every endpoint. With --max-age / --fail-on it is a monitoring check (exit 6 / 7)'
            cand completions 'Print a shell completion script to stdout'
            cand generate-docs 'Write man pages and completions into a folder (used by scripts/gen-docs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netsync;help;init'= {
        }
        &'netsync;help;diff'= {
        }
        &'netsync;help;apply'= {
        }
        &'netsync;help;config'= {
        }
        &'netsync;help;secret'= {
            cand keygen 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
            cand set 'Encrypt a value into the working tree at the key''s secret file (`….age`), creating folders as needed: typed without echo on a terminal, else read from stdin or --from-file. Commits nothing: review and commit it yourself'
            cand show 'Decrypt a committed secret and print its value, exactly, to stdout (nothing else is printed there). Needs an identity (--identity)'
            cand rekey 'Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names now, as one commit made without a working tree (bare repositories work). Needs an identity that can decrypt every secret. Run it after adding or removing a recipient; a removed recipient can still read old commits: rotate the secrets it knew'
        }
        &'netsync;help;secret;keygen'= {
        }
        &'netsync;help;secret;set'= {
        }
        &'netsync;help;secret;show'= {
        }
        &'netsync;help;secret;rekey'= {
        }
        &'netsync;help;persist'= {
        }
        &'netsync;help;restore'= {
        }
        &'netsync;help;status'= {
        }
        &'netsync;help;completions'= {
        }
        &'netsync;help;generate-docs'= {
        }
        &'netsync;help;help'= {
        }
    ]
    $completions[$command]
}
