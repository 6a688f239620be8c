#!/bin/bash
# alternate processes: base, new; print medians
cd "$(dirname "$0")"; a=(); b=()
for i in $(seq ${N:-5}); do a+=($(node _one.mjs base)); b+=($(node _one.mjs new)); done
node -e 'const a=process.argv[1].split(" ").map(Number).sort((x,y)=>x-y), b=process.argv[2].split(" ").map(Number).sort((x,y)=>x-y); const m=v=>v[v.length>>1]; console.log(`base ${m(a)} [${a.join(" ")}] new ${m(b)} [${b.join(" ")}] new/base ${(m(b)/m(a)).toFixed(3)}`)' "${a[*]}" "${b[*]}"
