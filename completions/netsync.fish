# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_netsync_global_optspecs
    string join \n repo= endpoints= cacert= cert= key= insecure-skip-tls-verify user= output= color= v/verbose q/quiet dial-timeout= command-timeout= h/help V/version
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
complete -c netsync -n "__fish_netsync_needs_command" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_needs_command" -l cacert -d 'CA bundle (PEM) that signed the etcd servers\' certificates; turns TLS on. Without it, https:// endpoints are checked against the system\'s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt' -r -F
complete -c netsync -n "__fish_netsync_needs_command" -l cert -d 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt' -r -F
complete -c netsync -n "__fish_netsync_needs_command" -l key -d 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key' -r -F
complete -c netsync -n "__fish_netsync_needs_command" -l user -d 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync' -r
complete -c netsync -n "__fish_netsync_needs_command" -l output -d 'Output format on stdout: `human`, or `json` (one document, described in docs/json.md). Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_needs_command" -l color -d 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_needs_command" -l dial-timeout -d 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_needs_command" -l command-timeout -d 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_needs_command" -l insecure-skip-tls-verify -d 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
complete -c netsync -n "__fish_netsync_needs_command" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
complete -c netsync -n "__fish_netsync_needs_command" -s q -l quiet -d 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
complete -c netsync -n "__fish_netsync_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_needs_command" -s V -l version -d 'Print version'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "init" -d 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "diff" -d 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "apply" -d 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "config" -d 'Show the effective etcd connection settings and where each one comes from: a flag, an environment variable (NETSYNC_* before etcdctl\'s ETCDCTL_*), netsync.toml, or the default. netsync.toml is read from the revision `apply` would deploy, when there is a repository; otherwise defaults apply. The password is always masked. Connects to nothing'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "generate-docs" -d 'Write man pages and completions into a folder (used by scripts/gen-docs)'
complete -c netsync -n "__fish_netsync_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c netsync -n "__fish_netsync_using_subcommand init" -l prefix -d 'The etcd key prefix to manage. Example: --prefix /net/' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l dir -d 'The folder of the repository that holds one file per key. Example: --dir kv' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l branch -d 'The branch `apply` deploys by default (default: the current branch, else main). Example: --branch production' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand init" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l cacert -d 'CA bundle (PEM) that signed the etcd servers\' certificates; turns TLS on. Without it, https:// endpoints are checked against the system\'s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand init" -l cert -d 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand init" -l key -d 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand init" -l user -d 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l output -d 'Output format on stdout: `human`, or `json` (one document, described in docs/json.md). Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand init" -l color -d 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand init" -l dial-timeout -d 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l command-timeout -d 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand init" -l new -d 'Create a new repository with a working tree at --repo first; netsync.toml is written there for you to review and commit. Example: netsync init --new --repo network'
complete -c netsync -n "__fish_netsync_using_subcommand init" -l bare -d 'Create a new bare repository at --repo first and commit netsync.toml in it. Example: netsync init --bare --repo /srv/network.git'
complete -c netsync -n "__fish_netsync_using_subcommand init" -l insecure-skip-tls-verify -d 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
complete -c netsync -n "__fish_netsync_using_subcommand init" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
complete -c netsync -n "__fish_netsync_using_subcommand init" -s q -l quiet -d 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
complete -c netsync -n "__fish_netsync_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l rev -d 'Git revision to compare (branch, tag, commit). Default: the configured branch, else HEAD. Example: --rev origin/main' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l cacert -d 'CA bundle (PEM) that signed the etcd servers\' certificates; turns TLS on. Without it, https:// endpoints are checked against the system\'s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l cert -d 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l key -d 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l user -d 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l output -d 'Output format on stdout: `human`, or `json` (one document, described in docs/json.md). Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l color -d 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l dial-timeout -d 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l command-timeout -d 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l exit-code -d 'Exit with 2 when there are differences, 0 when there are none. Example: netsync diff -q --exit-code || echo "etcd differs from Git"'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -l insecure-skip-tls-verify -d 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -s q -l quiet -d 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
complete -c netsync -n "__fish_netsync_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l rev -d 'Git revision to deploy (branch, tag, commit). Default: the configured branch, else HEAD. Example: --rev v42' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l max-txn-ops -d 'Operations per transaction; match the etcd servers\' --max-txn-ops. Example: 128' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l max-request-bytes -d 'Bytes per request; match the etcd servers\' --max-request-bytes. Example: 1572864' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l cacert -d 'CA bundle (PEM) that signed the etcd servers\' certificates; turns TLS on. Without it, https:// endpoints are checked against the system\'s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l cert -d 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l key -d 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l user -d 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l output -d 'Output format on stdout: `human`, or `json` (one document, described in docs/json.md). Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l color -d 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l dial-timeout -d 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l command-timeout -d 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s n -l dry-run -d 'Show what would be written, write nothing. Example: netsync apply --dry-run'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l allow-mass-delete -d 'Let apply delete more than `apply.max_delete_fraction` of the managed keys, or all of them. Example: netsync apply --rev cleanup --allow-mass-delete'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -l insecure-skip-tls-verify -d 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s q -l quiet -d 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
complete -c netsync -n "__fish_netsync_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand config" -l rev -d 'Git revision to read netsync.toml from. Default: the configured branch, else HEAD. Example: --rev v42' -r
complete -c netsync -n "__fish_netsync_using_subcommand config" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand config" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand config" -l cacert -d 'CA bundle (PEM) that signed the etcd servers\' certificates; turns TLS on. Without it, https:// endpoints are checked against the system\'s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand config" -l cert -d 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand config" -l key -d 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand config" -l user -d 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync' -r
complete -c netsync -n "__fish_netsync_using_subcommand config" -l output -d 'Output format on stdout: `human`, or `json` (one document, described in docs/json.md). Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand config" -l color -d 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand config" -l dial-timeout -d 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand config" -l command-timeout -d 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand config" -l insecure-skip-tls-verify -d 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
complete -c netsync -n "__fish_netsync_using_subcommand config" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
complete -c netsync -n "__fish_netsync_using_subcommand config" -s q -l quiet -d 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
complete -c netsync -n "__fish_netsync_using_subcommand config" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l cacert -d 'CA bundle (PEM) that signed the etcd servers\' certificates; turns TLS on. Without it, https:// endpoints are checked against the system\'s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l cert -d 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l key -d 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l user -d 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync' -r
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l output -d 'Output format on stdout: `human`, or `json` (one document, described in docs/json.md). Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l color -d 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l dial-timeout -d 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l command-timeout -d 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand completions" -l insecure-skip-tls-verify -d 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
complete -c netsync -n "__fish_netsync_using_subcommand completions" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
complete -c netsync -n "__fish_netsync_using_subcommand completions" -s q -l quiet -d 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
complete -c netsync -n "__fish_netsync_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l repo -d 'The Git repository, bare or not; netsync reads committed revisions, never the working tree. Example: --repo /var/lib/netsync/network.git' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l endpoints -d 'etcd endpoints, comma-separated. Falls back to NETSYNC_ENDPOINTS, then etcdctl\'s ETCDCTL_ENDPOINTS, then `etcd.endpoints` in netsync.toml, then http://127.0.0.1:2379. Without a scheme, https:// is used when a TLS option is set, else http://. Example: --endpoints https://10.0.0.1:2379,https://10.0.0.2:2379' -r
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l cacert -d 'CA bundle (PEM) that signed the etcd servers\' certificates; turns TLS on. Without it, https:// endpoints are checked against the system\'s roots. Also NETSYNC_CACERT, ETCDCTL_CACERT, `etcd.cacert`. Example: --cacert /etc/etcd/pki/ca.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l cert -d 'Client certificate (PEM) for servers that ask for one (etcd --client-cert-auth); needs --key. Also NETSYNC_CERT, ETCDCTL_CERT, `etcd.cert`. Example: --cert /etc/etcd/pki/netsync.crt' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l key -d 'Private key (PEM) of --cert. Also NETSYNC_KEY, ETCDCTL_KEY, `etcd.key`. Example: --key /etc/etcd/pki/netsync.key' -r -F
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l user -d 'etcd user, as `name` or `name:password`. Without a password here, netsync reads NETSYNC_PASSWORD, then ETCDCTL_PASSWORD, else asks on the terminal (no echo). Also NETSYNC_USER, ETCDCTL_USER, `etcd.user` (name only). Example: --user netsync' -r
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l output -d 'Output format on stdout: `human`, or `json` (one document, described in docs/json.md). Example: --output json' -r -f -a "human\t''
json\t''"
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l color -d 'When to colour human output: `auto` (only on a terminal, and not when NO_COLOR is set), `always` or `never`. Example: --color never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l dial-timeout -d 'How long to wait for etcd to answer at all (default 5s). Also NETSYNC_DIAL_TIMEOUT, ETCDCTL_DIAL_TIMEOUT, `etcd.dial_timeout`. Example: --dial-timeout 3s' -r
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l command-timeout -d 'Deadline for each etcd request (default 30s). Also NETSYNC_COMMAND_TIMEOUT, ETCDCTL_COMMAND_TIMEOUT, `etcd.command_timeout`. Example: --command-timeout 1m' -r
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -l insecure-skip-tls-verify -d 'DANGEROUS: use TLS but accept any server certificate, so anyone on the network path can read and change what netsync reads and writes. For a first test only. Also NETSYNC_INSECURE_SKIP_TLS_VERIFY=true, ETCDCTL_INSECURE_SKIP_TLS_VERIFY=true. Example: --insecure-skip-tls-verify --endpoints https://10.0.0.1:2379'
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -s v -l verbose -d 'More logs on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides. Example: -vv'
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -s q -l quiet -d 'Print nothing but errors: no human output, status lines, warnings or progress. The exit code still tells the result; `--output json` still prints its document. Example: netsync apply -q || alert'
complete -c netsync -n "__fish_netsync_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply config completions generate-docs help" -f -a "init" -d 'Write a commented netsync.toml at the root of the repository (refuses to overwrite)'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply config completions generate-docs help" -f -a "diff" -d 'Show what `apply` would change in etcd: per key added, changed or deleted, with a unified diff for text values and sizes and hashes for binary ones. Writes nothing'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply config completions generate-docs help" -f -a "apply" -d 'Make etcd hold a committed Git revision under the managed prefixes: add and change keys, delete keys Git no longer has (prune guard permitting). Keys outside the prefixes, ephemeral keys and keys attached to a lease are never touched. Every write is guarded on the revision it was planned against; a key changed meanwhile is never overwritten'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply config completions generate-docs help" -f -a "config" -d 'Show the effective etcd connection settings and where each one comes from: a flag, an environment variable (NETSYNC_* before etcdctl\'s ETCDCTL_*), netsync.toml, or the default. netsync.toml is read from the revision `apply` would deploy, when there is a repository; otherwise defaults apply. The password is always masked. Connects to nothing'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply config completions generate-docs help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply config completions generate-docs help" -f -a "generate-docs" -d 'Write man pages and completions into a folder (used by scripts/gen-docs)'
complete -c netsync -n "__fish_netsync_using_subcommand help; and not __fish_seen_subcommand_from init diff apply config completions generate-docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
