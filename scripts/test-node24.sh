#!/usr/bin/env bash
# Runs the unit, exchange, scenario and hostile tests on Node.js 24 LTS against the build that
# `npm test` made (dist/), so that CI keeps the code running on both Node 20 and Node 24. The Node 24
# binary comes from the npm registry (the node-linux-<arch> package ships it), into .cache/node24.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

case "$(uname -m)" in
	x86_64) arch=x64 ;;
	aarch64) arch=arm64 ;;
	*)
		echo "test-node24: no Node.js 24 package for $(uname -m)" >&2
		exit 1
		;;
esac
if [[ ! -d dist/test ]]; then
	echo "test-node24: no build in dist/: run \`npm run build\` first" >&2
	exit 1
fi

prefix=.cache/node24
bin="$prefix/node_modules/node-linux-$arch/bin"
if [[ ! -x "$bin/node" ]]; then
	npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$prefix" "node-linux-$arch@24"
fi
echo "test-node24: node $("$bin/node" --version)"
PATH="$bin:$PATH" node scripts/run-tests.mjs unit exchange scenarios hostile
