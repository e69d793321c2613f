#!/bin/sh
# shellcheck shell=sh
# xcatdsklspost-hook.sh MYPOSTSCRIPT: makes every postscript and postbootscript that xCAT's
# xcatdsklspost runs an xtriage step. xcatdsklspost (diskless and statelite boots, updatenode,
# the first-boot/reboot run of xcatpostinit1) writes /xcatpost/mypostscript with its own run_ps
# and then runs it; one line added to xcatdsklspost calls this script in between (README:
# "Diskless, statelite, updatenode"). It inserts, right after xCAT's run_ps, a run_ps that:
#   - runs each script with xt_run (timeout XTRIAGE_PS_TIMEOUT, 1800 s): status, duration and
#     output in /var/log/xtriage/node.log, start and end lines to the MN by IP;
#   - runs the once-only ones (XTRIAGE_ONCE, default "otherpkgs ospkgs") with xt_once: skipped
#     on a boot when the same inputs were applied, forced by updatenode or XTRIAGE_FORCE;
#   - stops the chain after a failure (fail-fast, one stop mark per boot or updatenode run;
#     updatenode never marks the node failed) and keeps return_value as xCAT's does, so
#     xCAT's own `installstatus booted/failed` at the end stays right;
#   - still sends xCAT's "<type> <script> return with N" line when msgutil_r is there.
# Without the library (/xcatpost/xtriage.sh, or XTRIAGE_LIB) the inserted code does nothing
# and xCAT's run_ps stays. Running it twice inserts once. Exits 0 whatever happens: a broken
# hook must not stop xcatdsklspost.

ms=${1:-/xcatpost/mypostscript}
if [ ! -f "$ms" ]; then
	echo "xcatdsklspost-hook: $ms does not exist; nothing done" >&2
	exit 0
fi
if grep -q '^# xtriage run_ps' "$ms"; then
	exit 0
fi
if ! grep -q '^# subroutine end' "$ms"; then
	echo "xcatdsklspost-hook: no '# subroutine end' line in $ms (another xCAT version?); xCAT's run_ps stays" >&2
	exit 0
fi

# The run_ps inserted after xCAT's (the later definition wins). Quoted here-document: nothing
# in it is expanded now.
block=$(
	cat <<'EOF'
# xtriage run_ps (node/xcatdsklspost-hook.sh): every postscript is an xtriage step
if [ -f "${XTRIAGE_LIB:-/xcatpost/xtriage.sh}" ]; then
    . "${XTRIAGE_LIB:-/xcatpost/xtriage.sh}"
fi
if command -v xt_run >/dev/null 2>&1; then
run_ps () {
    ret_local=0
    scriptype=${1:-postscript}
    shift
    if xt_stopped; then
        [ "$return_value" -ne 0 ] || return_value=1
        return 0
    fi
    if [ -f "$1" ]; then
        case " ${XTRIAGE_ONCE:-otherpkgs ospkgs} " in
        *" $1 "*) xt_once "$1" "${XTRIAGE_PS_TIMEOUT:-1800}" "./$@" ;;
        *) xt_run "$1" "${XTRIAGE_PS_TIMEOUT:-1800}" "./$@" ;;
        esac
        ret_local=$?
        [ "$ret_local" -eq 0 ] || return_value=$ret_local
        if command -v msgutil_r >/dev/null 2>&1; then
            msgutil_r "$MASTER_IP" "info" "$scriptype $1 return with $ret_local" "/var/log/xcat/xcat.log" "${LOGLABEL:-xcat}"
        fi
    else
        return_value=-1
        xt_fail "$scriptype $1 does NOT exist in /install/postscripts on the MN"
    fi
    return 0
}
fi
EOF
)
tmp=$ms.xtriage.$$
if awk -v block="$block" '{ print } !done && /^# subroutine end/ { print block; done = 1 }' "$ms" >"$tmp" 2>/dev/null &&
	cat "$tmp" >"$ms" 2>/dev/null; then
	rm -f "$tmp"
else
	rm -f "$tmp"
	echo "xcatdsklspost-hook: could not rewrite $ms; xCAT's run_ps stays" >&2
fi
exit 0
