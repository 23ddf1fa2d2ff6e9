
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
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
            cand diff 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
            cand apply 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
            cand secret 'Manage secret values: stored in Git as age files (`<path>.age`) encrypted to `secrets.recipients`, written to etcd in plaintext by `apply`'
            cand persist 'Commit what changed in etcd since the last sync to the branch, then push it to every remote of `persist.remotes` (the first must accept it; failures of the others are reported). Keys changed only in Git are left alone, a key changed on both sides stops the run (exit 5). Meant for cron or a systemd timer on several nodes at once: one run holds an etcd lock, the others print who holds it and exit 0. No change in etcd, no commit'
            cand completions 'Print a shell completion script to stdout'
            cand generate-docs 'Write man pages and completions into a folder (used by scripts/gen-docs)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netsync;init'= {
            cand --prefix 'The etcd key prefix to manage. Example: --prefix /net/'
            cand --dir 'The folder of the repository that holds one file per key. Example: --dir kv'
            cand --branch 'The branch `apply` deploys by default (default: the current branch, else main)'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;diff'= {
            cand --rev 'Git revision to compare (branch, tag, commit). Default: the configured branch, else HEAD'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand --exit-code 'Exit with 2 when there are differences, 0 when there are none'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;apply'= {
            cand --rev 'Git revision to deploy (branch, tag, commit). Default: the configured branch, else HEAD'
            cand --max-txn-ops 'Operations per transaction; match the etcd servers'' --max-txn-ops. Example: 128'
            cand --max-request-bytes 'Bytes per request; match the etcd servers'' --max-request-bytes. Example: 1572864'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -n 'Show what would be written, write nothing'
            cand --dry-run 'Show what would be written, write nothing'
            cand --allow-mass-delete 'Let apply delete more than `apply.max_delete_fraction` of the managed keys, or all of them'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand keygen 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
            cand set 'Encrypt a value into the working tree at the key''s secret file (`….age`), creating folders as needed. Commits nothing: review and commit it yourself. The value comes from --file or stdin, byte for byte (a trailing newline is kept)'
            cand show 'Decrypt a committed secret and print its value, exactly, to stdout (nothing else is printed there). Needs an identity (--identity)'
            cand rekey 'Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names now, as one commit made without a working tree (bare repositories work). Needs an identity that can decrypt every secret. Run it after adding or removing a recipient; a removed recipient can still read old commits: rotate the secrets it knew'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'netsync;secret;keygen'= {
            cand -o 'Write the identity to FILE (created with mode 0600, never overwritten) instead of stdout; the public key is then printed on stderr'
            cand --out 'Write the identity to FILE (created with mode 0600, never overwritten) instead of stdout; the public key is then printed on stderr'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;set'= {
            cand --file 'Read the value from FILE instead of stdin'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand --force 'Encrypt even when no `secrets.keys` pattern matches KEY'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;show'= {
            cand --rev 'Git revision to read (branch, tag, commit). Default: the configured branch, else HEAD'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;rekey'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;secret;help'= {
            cand keygen 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
            cand set 'Encrypt a value into the working tree at the key''s secret file (`….age`), creating folders as needed. Commits nothing: review and commit it yourself. The value comes from --file or stdin, byte for byte (a trailing newline is kept)'
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
            cand --branch 'Branch to commit to. Default: `branch` in netsync.toml, else the branch HEAD names'
            cand --page-size 'Keys per etcd range request (testing aid)'
            cand --lock-ttl 'Seconds the lock outlives a killed run (testing aid)'
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -n 'Show what would be committed; write nothing, push nothing'
            cand --dry-run 'Show what would be committed; write nothing, push nothing'
            cand --no-push 'Commit locally only; do not push to the remotes of `persist.remotes`'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;completions'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'netsync;generate-docs'= {
            cand --repo 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git'
            cand --endpoints 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl''s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379'
            cand --output 'Output format on stdout. Example: --output json'
            cand --color 'When to colour human output; NO_COLOR is respected with `auto`'
            cand --dial-timeout 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s'
            cand --identity 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519'
            cand --command-timeout 'Deadline for each etcd request. Example: --command-timeout 1m'
            cand -v 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand --verbose 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
            cand -q 'Print nothing but errors (and the result on stdout)'
            cand --quiet 'Print nothing but errors (and the result on stdout)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'netsync;help'= {
            cand init 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
            cand diff 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
            cand apply 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
            cand secret 'Manage secret values: stored in Git as age files (`<path>.age`) encrypted to `secrets.recipients`, written to etcd in plaintext by `apply`'
            cand persist 'Commit what changed in etcd since the last sync to the branch, then push it to every remote of `persist.remotes` (the first must accept it; failures of the others are reported). Keys changed only in Git are left alone, a key changed on both sides stops the run (exit 5). Meant for cron or a systemd timer on several nodes at once: one run holds an etcd lock, the others print who holds it and exit 0. No change in etcd, no commit'
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
        &'netsync;help;secret'= {
            cand keygen 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
            cand set 'Encrypt a value into the working tree at the key''s secret file (`….age`), creating folders as needed. Commits nothing: review and commit it yourself. The value comes from --file or stdin, byte for byte (a trailing newline is kept)'
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
        &'netsync;help;completions'= {
        }
        &'netsync;help;generate-docs'= {
        }
        &'netsync;help;help'= {
        }
    ]
    $completions[$command]
}
