# shellcheck shell=bash
# Sourced by scripts that need a throwaway etcd: starts one member on free loopback ports
# with its data dir and log under a directory the caller owns and removes.
#
#   etcd_start DIR        sets ETCD_ENDPOINT, ETCD_PID, ETCD_LOG; retries on a port clash;
#                         more server flags from ETCD_EXTRA_ARGS (split on spaces), such as
#                         "--quota-backend-bytes 8589934592" for a large dataset
#   etcd_stop             kills and reaps it (safe to call twice, or when never started)

# etcdctl refuses ETCDCTL_* variables that a flag shadows; these scripts pass flags.
unset "${!ETCDCTL_@}"

ETCD_PID=""
ETCD_ENDPOINT=""
ETCD_LOG=""

# Prints a loopback port nobody listens on (a later clash is handled by retrying).
_etcd_free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

etcd_start() {
    local dir=$1 attempt client peer deadline
    local bin=${NETSYNC_TEST_ETCD:-etcd}
    if ! command -v "$bin" >/dev/null 2>&1; then
        echo "etcd not found: install it with 'apt-get install etcd-server' or set NETSYNC_TEST_ETCD" >&2
        return 1
    fi
    for attempt in 1 2 3 4; do
        client=$(_etcd_free_port)
        peer=$(_etcd_free_port)
        [[ $client != "$peer" ]] || continue
        rm -rf "$dir/etcd-data"
        ETCD_LOG="$dir/etcd.log"
        ETCD_ENDPOINT="http://127.0.0.1:$client"
        # ETCD_* variables in the caller's environment would clash with the flags.
        (
            extra=${ETCD_EXTRA_ARGS:-}
            unset "${!ETCD_@}"
            # shellcheck disable=SC2086 # extra flags, split on spaces on purpose
            exec "$bin" \
                --name throwaway \
                --data-dir "$dir/etcd-data" \
                --listen-client-urls "http://127.0.0.1:$client" \
                --advertise-client-urls "http://127.0.0.1:$client" \
                --listen-peer-urls "http://127.0.0.1:$peer" \
                --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
                --initial-cluster "throwaway=http://127.0.0.1:$peer" \
                --initial-cluster-state new \
                --initial-cluster-token "throwaway-$$-$attempt" \
                --logger zap --log-outputs stderr \
                $extra \
                >>"$dir/etcd.log" 2>&1
        ) &
        ETCD_PID=$!
        deadline=$((SECONDS + 20))
        while ((SECONDS < deadline)) && kill -0 "$ETCD_PID" 2>/dev/null; do
            if etcdctl --endpoints "$ETCD_ENDPOINT" --dial-timeout 1s endpoint health \
                >/dev/null 2>&1; then
                return 0
            fi
            sleep 0.2
        done
        etcd_stop
    done
    echo "etcd did not start; last lines of $ETCD_LOG:" >&2
    tail -n 20 "$ETCD_LOG" >&2 || true
    return 1
}

etcd_stop() {
    if [[ -n $ETCD_PID ]]; then
        kill "$ETCD_PID" 2>/dev/null || true
        wait "$ETCD_PID" 2>/dev/null || true
        ETCD_PID=""
    fi
}
