#!/bin/sh
# A plugin exports exactly the global symbols of plugins/plugin.map.
# usage: check-plugin-exports.sh MAP PLUGIN.so...
set -eu
map=$1
shift
expected=$(sed -n '/global:/,/local:/p' "$map" | grep -o '[a-z_][a-z_0-9]*;' | tr -d ';' | sort)
for plugin in "$@"; do
	actual=$(nm -D --defined-only "$plugin" | awk '{print $3}' | sort)
	if [ "$actual" != "$expected" ]; then
		echo "FAIL: $plugin exports:" >&2
		echo "$actual" >&2
		echo "expected (from $map):" >&2
		echo "$expected" >&2
		exit 1
	fi
	echo "ok: $plugin exports $(echo $actual)"
done
