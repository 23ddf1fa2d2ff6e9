# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_netsync_global_optspecs
    string join \n repo= endpoints= output= color= v/verbose q/quiet dial-timeout= identity= command-timeout= h/help V/version
end

function __fish_netsync_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_netsync_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_netsync_using_subcommand
    set -l cmd (__fish_netsync_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c netsync -n "__fish_netsync_needs_command" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_needs_command" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_needs_command" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_needs_command" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_needs_command" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_needs_command" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_needs_command" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_needs_command" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_needs_command" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_needs_command" -s V -l version -d 'Print version'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "init" -d 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "diff" -d 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "apply" -d 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "secret" -d 'Manage secret values: stored in Git as age files (`<path>.age`) encrypted to `secrets.recipients`, written to etcd in plaintext by `apply`'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "persist" -d 'Commit what changed in etcd since the last sync to the branch, then push it to every remote of `persist.remotes` (the first must accept it; failures of the others are reported). Keys changed only in Git are left alone, a key changed on both sides stops the run (exit 5). Meant for cron or a systemd timer on several nodes at once: one run holds an etcd lock, the others print who holds it and exit 0. No change in etcd, no commit'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "generate-docs" -d 'Write man pages and completions into a folder (used by scripts/gen-docs)'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netsync -n "__fish_netsync_using_subcommand init" -l prefix -d 'The etcd key prefix to manage. Example: --prefix /net/' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l dir -d 'The folder of the repository that holds one file per key. Example: --dir kv' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l branch -d 'The branch `apply` deploys by default (default: the current branch, else main)' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand init" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand init" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand init" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand init" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand init" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l rev -d 'Git revision to compare (branch, tag, commit). Default: the configured branch, else HEAD' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l exit-code -d 'Exit with 2 when there are differences, 0 when there are none'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l rev -d 'Git revision to deploy (branch, tag, commit). Default: the configured branch, else HEAD' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l max-txn-ops -d 'Operations per transaction; match the etcd servers\' --max-txn-ops. Example: 128' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l max-request-bytes -d 'Bytes per request; match the etcd servers\' --max-request-bytes. Example: 1572864' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s n -l dry-run -d 'Show what would be written, write nothing'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l allow-mass-delete -d 'Let apply delete more than `apply.max_delete_fraction` of the managed keys, or all of them'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -f -a "keygen" -d 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -f -a "set" -d 'Encrypt a value into the working tree at the key\'s secret file (`….age`), creating folders as needed. Commits nothing: review and commit it yourself. The value comes from --file or stdin, byte for byte (a trailing newline is kept)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -f -a "show" -d 'Decrypt a committed secret and print its value, exactly, to stdout (nothing else is printed there). Needs an identity (--identity)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -f -a "rekey" -d 'Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names now, as one commit made without a working tree (bare repositories work). Needs an identity that can decrypt every secret. Run it after adding or removing a recipient; a removed recipient can still read old commits: rotate the secrets it knew'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and not __fish_seen_subcommand_from keygen set show rekey help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -s o -l out -d 'Write the identity to FILE (created with mode 0600, never overwritten) instead of stdout; the public key is then printed on stderr' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l file -d 'Read the value from FILE instead of stdin' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -l force -d 'Encrypt even when no `secrets.keys` pattern matches KEY'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l rev -d 'Git revision to read (branch, tag, commit). Default: the configured branch, else HEAD' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "keygen" -d 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "set" -d 'Encrypt a value into the working tree at the key\'s secret file (`….age`), creating folders as needed. Commits nothing: review and commit it yourself. The value comes from --file or stdin, byte for byte (a trailing newline is kept)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "show" -d 'Decrypt a committed secret and print its value, exactly, to stdout (nothing else is printed there). Needs an identity (--identity)'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "rekey" -d 'Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names now, as one commit made without a working tree (bare repositories work). Needs an identity that can decrypt every secret. Run it after adding or removing a recipient; a removed recipient can still read old commits: rotate the secrets it knew'
complete -c netsync -n "__fish_netsync_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netsync -n "__fish_netsync_using_subcommand persist" -s m -l message -d 'Summary line of the commit. Example: --message "rotate entry node keys"' -r
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l branch -d 'Branch to commit to. Default: `branch` in netsync.toml, else the branch HEAD names' -r
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l page-size -d 'Keys per etcd range request (testing aid)' -r
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l lock-ttl -d 'Seconds the lock outlives a killed run (testing aid)' -r
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand persist" -s n -l dry-run -d 'Show what would be committed; write nothing, push nothing'
complete -c netsync -n "__fish_netsync_using_subcommand persist" -l no-push -d 'Commit locally only; do not push to the remotes of `persist.remotes`'
complete -c netsync -n "__fish_netsync_using_subcommand persist" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand persist" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand persist" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand completions" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand completions" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Example: --endpoints http://10.0.0.1:2379,http://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l output -d 'Output format on stdout. Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l color -d 'When to colour human output; NO_COLOR is respected with `auto`' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l dial-timeout -d 'How long to wait for etcd to answer at all. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l identity -d 'Identity to decrypt secrets with: an age identity file or an unencrypted OpenSSH ed25519/rsa private key; repeat for several. Default: NETSYNC_IDENTITY_FILE, then $XDG_CONFIG_HOME/netsync/identity.txt (~/.config/netsync/identity.txt) if it exists. Example: --identity ~/.ssh/id_ed25519' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l command-timeout -d 'Deadline for each etcd request. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides'
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -s q -l quiet -d 'Print nothing but errors (and the result on stdout)'
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "init" -d 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "diff" -d 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "apply" -d 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "secret" -d 'Manage secret values: stored in Git as age files (`<path>.age`) encrypted to `secrets.recipients`, written to etcd in plaintext by `apply`'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "persist" -d 'Commit what changed in etcd since the last sync to the branch, then push it to every remote of `persist.remotes` (the first must accept it; failures of the others are reported). Keys changed only in Git are left alone, a key changed on both sides stops the run (exit 5). Meant for cron or a systemd timer on several nodes at once: one run holds an etcd lock, the others print who holds it and exit 0. No change in etcd, no commit'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "generate-docs" -d 'Write man pages and completions into a folder (used by scripts/gen-docs)'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply secret persist completions generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netsync -n "__fish_netsync_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "keygen" -d 'Create an age identity, in the format of `age-keygen`: `# created:` and `# public key:` comment lines, then `AGE-SECRET-KEY-1…`. Put the public key into `secrets.recipients`'
complete -c netsync -n "__fish_netsync_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "set" -d 'Encrypt a value into the working tree at the key\'s secret file (`….age`), creating folders as needed. Commits nothing: review and commit it yourself. The value comes from --file or stdin, byte for byte (a trailing newline is kept)'
complete -c netsync -n "__fish_netsync_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "show" -d 'Decrypt a committed secret and print its value, exactly, to stdout (nothing else is printed there). Needs an identity (--identity)'
complete -c netsync -n "__fish_netsync_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "rekey" -d 'Re-encrypt every secret at the tip of the branch to the recipients its netsync.toml names now, as one commit made without a working tree (bare repositories work). Needs an identity that can decrypt every secret. Run it after adding or removing a recipient; a removed recipient can still read old commits: rotate the secrets it knew'
