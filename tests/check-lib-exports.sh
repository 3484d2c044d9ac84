#!/bin/sh
# libvmds exports what lib/'s headers declare, and nothing else: every
# dynamic symbol it defines is a vmds_* name that a header in lib/ names.
# usage: check-lib-exports.sh LIBDIR LIBVMDS.so
set -eu
dir=$1
lib=$2
declared=$(cat "$dir"/*.h | grep -o '\bvmds_[a-z0-9_]*' | sort -u)
status=0
for symbol in $(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort); do
	case "$symbol" in
	VMDS_0) continue ;;
	vmds_*) ;;
	*)
		echo "FAIL: $lib exports $symbol, not a vmds_* name" >&2
		status=1
		continue
		;;
	esac
	if ! echo "$declared" | grep -qx "$symbol"; then
		echo "FAIL: $lib exports $symbol, which no header in $dir declares" >&2
		status=1
	fi
done
count=$(nm -D --defined-only "$lib" | grep -c ' vmds_' || true)
[ "$status" -eq 0 ] && echo "ok: $lib exports $count vmds_* symbols, all declared in $dir"
exit $status
