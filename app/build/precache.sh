#!/bin/sh
# Trunk post-build hook: minifies wasm-bindgen's JavaScript, then writes the
# list of files the service worker must precache (trunk's hashed names) and
# a version derived from their contents into the staged sw.js, so every
# build that changes the app changes sw.js and browsers pick the update up.
# Then writes a gzip (and, where the brotli tool is installed, a brotli)
# copy of each text and wasm file, which the server sends to browsers that
# accept it.
set -eu
cd "${TRUNK_STAGING_DIR:?run by trunk}"
# wasm-bindgen's JavaScript, minified first, so the version below is the
# minified files': 3.3 KB of brotli a phone downloads and keeps
# (BENCHMARKS.md). The page's is a module; the engine's declares the global
# `wasm_bindgen` its worker calls, so its top level keeps its names. sw.js
# stays as written: its two constants are rewritten below.
if command -v terser >/dev/null 2>&1; then
  for f in app-*.js; do terser "$f" --module --compress --mangle -o "$f"; done
  terser engine.js --compress --mangle -o engine.js
else
  echo "precache.sh: terser not found (cargo xtask setup installs it); JavaScript left unminified" >&2
fi
files=$(find . -type f ! -name sw.js ! -name '*.gz' ! -name '*.br' | sed 's|^\./||' | LC_ALL=C sort)
version=$(cat $files | sha256sum | cut -c1-16)
list=$(for f in $files; do printf '"/%s",' "$f"; done | sed 's/,$//')
sed -i "s|^const VERSION = .*;|const VERSION = \"$version\";|; s|^const PRECACHE = .*;|const PRECACHE = [$list];|" sw.js
grep -q "const VERSION = \"$version\";" sw.js
# The page's copy of the records it showed (src/kept.rs) is read only by the build that wrote it.
sed -i "s|<meta name=\"mo-build\" content=\"[^\"]*\"|<meta name=\"mo-build\" content=\"$version\"|" index.html
grep -q "<meta name=\"mo-build\" content=\"$version\"" index.html
for f in $(find . -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.webmanifest' \)); do
  gzip -9 -n -k -f "$f"
  if command -v brotli >/dev/null 2>&1; then brotli -q 11 -k -f "$f"; fi
done
